import { awaitWithCheckpoints } from '../../checkpoints';
import { throwIfAborted } from '../../errors';
import type { EmbeddingProvider, EmbedManyOptions } from '../providers';
import { USE_MAX_TOKENS, UseLiteModel, useTokenizer } from './model-files';
import { loadUseLiteModel, loadUseLiteWasm } from './runtime';

/** Somewhere a batch of token lists becomes vectors: this thread, or a helper process. */
export interface TokenLane {
  /**
   * Padded tokens (rows x longest row) per batch. A lane in a helper process can take large
   * batches; a lane in the behavior's own thread blocks its checkpoints, so it takes small ones.
   */
  readonly tokenBudget: number;
  embedTokens(tokens: readonly Int32Array[]): Promise<Float32Array[]>;
}

/** Chooses the lanes for one run (for example, two helper processes when two cores are free). */
export type LaneSource = (uncachedAnswers: number) => Promise<readonly TokenLane[]>;

/**
 * The model in this thread: one lane with small batches. Either runtime computes on the calling
 * thread (ONNX Runtime's `run` too), so a batch here holds up this thread's checkpoints: about
 * 10-60 ms each.
 */
export const inThreadLanes: LaneSource = () => inThread(loadUseLiteModel);

/** The model in this thread on TFJS WASM: for a thread that can be killed mid-batch. */
export const inThreadWasmLanes: LaneSource = () => inThread(loadUseLiteWasm);

async function inThread(load: () => Promise<UseLiteModel>): Promise<readonly TokenLane[]> {
  const model = await load();
  return [{ tokenBudget: 96, embedTokens: (tokens) => model.embedTokens(tokens) }];
}

/**
 * Universal Sentence Encoder lite (512 dimensions): our linear tokenizer, then the model (ONNX
 * Runtime, or TFJS 4.22 WASM as a fallback) in one or more lanes. Uncached answers are tokenized
 * (with checkpoints), sorted by length so a batch pads little, cut into batches by a
 * padded-token budget, longest first so the lanes finish together, and handed out to whichever
 * lane is free. Vectors equal those of
 * `@energetic-ai/embeddings` (cosine above 0.99999 on every answer; same token ids).
 * Cost on ONNX Runtime: about 0.12 ms per token on one core (an answer is read up to 128
 * tokens); on TFJS WASM about 0.5 ms per token, +25 ms a batch.
 */
export class UseLiteProvider implements EmbeddingProvider {
  readonly id = 'use-lite-512';
  readonly dimension = 512;
  readonly batchSize = 16;

  constructor(private readonly lanes: LaneSource = inThreadLanes) {}

  async embed(texts: readonly string[], signal: AbortSignal): Promise<Float32Array[]> {
    const out = new Array<Float32Array>(texts.length);
    await this.embedMany(texts, {
      signal,
      checkpoint: () => throwIfAborted(signal),
      onVectors: (indices, vectors) => indices.forEach((i, j) => (out[i] = vectors[j])),
    });
    return out;
  }

  async embedMany(texts: readonly string[], options: EmbedManyOptions): Promise<void> {
    const { checkpoint, onVectors } = options;
    const tok = await useTokenizer();
    checkpoint();
    const tokens = new Array<Int32Array>(texts.length);
    let symbols = 0;
    for (let i = 0; i < texts.length; i++) {
      // The tokenizer costs ~2 microseconds a character: check every ~20,000 characters.
      symbols += texts[i].length;
      if (symbols > 20_000) {
        checkpoint();
        symbols = 0;
      }
      tokens[i] = Int32Array.from(tok.encode(texts[i], checkpoint));
    }
    const lanes = await this.lanes(texts.length);
    checkpoint();
    const cost = (i: number) => Math.max(1, Math.min(USE_MAX_TOKENS, tokens[i].length));
    // Longest first: the last batches are the cheapest, so lanes end close together.
    const order = Array.from(texts.keys()).sort((a, b) => cost(b) - cost(a) || a - b);
    let next = 0;
    let stopped = false;
    const takeBatch = (budget: number): number[] => {
      const batch: number[] = [];
      if (next >= order.length) return batch;
      // Sorted longest first, so the first row sets the padded length of the batch.
      const longest = cost(order[next]);
      do batch.push(order[next++]);
      while (next < order.length && (batch.length + 1) * longest <= budget);
      return batch;
    };
    const run = async (lane: TokenLane) => {
      while (!stopped && next < order.length) {
        const batch = takeBatch(lane.tokenBudget);
        const vectors = await lane.embedTokens(batch.map((i) => tokens[i]));
        if (stopped) return;
        if (vectors.length !== batch.length) throw new Error('the model returned too few vectors');
        onVectors(batch, vectors);
      }
    };
    try {
      await awaitWithCheckpoints(Promise.all(lanes.map(run)), checkpoint);
    } finally {
      stopped = true;
    }
  }
}
