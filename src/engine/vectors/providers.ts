/** A source of sentence vectors. Vectors need not be unit length; the embedder normalises. */
export interface EmbeddingProvider {
  /** Stable id, part of the cache key: change it whenever the vectors would change. */
  readonly id: string;
  readonly dimension: number;
  /** Largest batch worth sending at once (a cancel is checked between batches). */
  readonly batchSize: number;
  embed(texts: readonly string[], signal: AbortSignal): Promise<Float32Array[]>;
  /**
   * Optional: embeds a whole list itself (its own batching and threads), calling `checkpoint`
   * at least every few tens of milliseconds and handing over vectors as batches finish.
   */
  embedMany?(texts: readonly string[], options: EmbedManyOptions): Promise<void>;
}

export interface EmbedManyOptions {
  signal: AbortSignal;
  checkpoint: () => void;
  /** Vectors of texts[indices[j]], in any order of batches. */
  onVectors(indices: readonly number[], vectors: readonly Float32Array[]): void;
}

export interface OpenAiEmbeddingSettings {
  baseUrl: string;
  model: string;
  apiKey: string;
  timeoutMs: number;
}

/** Any OpenAI-compatible `/embeddings` endpoint (OpenAI, Azure, vLLM, Ollama, LM Studio...). */
export class OpenAiEmbeddingProvider implements EmbeddingProvider {
  readonly id: string;
  readonly dimension = 0; // known after the first answer
  readonly batchSize = 64;

  constructor(private readonly settings: OpenAiEmbeddingSettings) {
    this.id = `openai:${settings.model}`;
  }

  async embed(texts: readonly string[], signal: AbortSignal): Promise<Float32Array[]> {
    const res = await fetch(`${this.settings.baseUrl}/embeddings`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.settings.apiKey ? { authorization: `Bearer ${this.settings.apiKey}` } : {}),
      },
      body: JSON.stringify({ model: this.settings.model, input: texts, encoding_format: 'float' }),
      signal: AbortSignal.any([signal, AbortSignal.timeout(this.settings.timeoutMs)]),
    });
    if (!res.ok) throw new Error(`embeddings endpoint answered ${res.status}`);
    const body = (await res.json()) as { data?: { index?: number; embedding?: unknown }[] };
    const data = body.data;
    if (!Array.isArray(data) || data.length !== texts.length) {
      throw new Error('embeddings endpoint returned the wrong number of vectors');
    }
    const out = new Array<Float32Array>(texts.length);
    data.forEach((item, position) => {
      const index = typeof item.index === 'number' ? item.index : position;
      const e = item.embedding;
      if (
        !Array.isArray(e) ||
        e.length === 0 ||
        !e.every((v) => typeof v === 'number' && Number.isFinite(v))
      ) {
        throw new Error('embeddings endpoint returned a malformed vector');
      }
      out[index] = Float32Array.from(e as number[]);
    });
    const d = out[0]?.length ?? 0;
    if (out.some((v) => v === undefined || v.length !== d)) {
      throw new Error('embeddings endpoint returned vectors of different lengths');
    }
    return out;
  }
}
