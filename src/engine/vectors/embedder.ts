import { awaitWithCheckpoints } from '../checkpoints';
import { BehaviorAbortedError } from '../errors';
import { AnalyzedText } from '../text/analyze';
import { lexicalVectors, LEXICAL_DIMENSION } from './lexical';
import { Matrix, normalizeRows } from './matrix';
import { EmbeddingProvider } from './providers';
import { VectorCache } from './vector-cache';

/** Unit-length vectors for a batch of answers, and where they came from. */
export interface VectorResult {
  matrix: Matrix;
  /** Provider id, e.g. `use-lite-512` or `lexical-hash-512`. */
  provider: string;
  /** Set when the configured provider failed and the lexical one stood in: why. */
  fallback: string | null;
}

/** Turns answers into vectors; behaviors get one through their context. */
export type Embedder = (
  texts: readonly string[],
  analyses: readonly AnalyzedText[],
  signal: AbortSignal,
  checkpoint: () => void,
  /** How many of the texts have vectors so far (cached ones count at once). */
  onProgress?: (done: number, total: number) => void,
) => Promise<VectorResult>;

export const LEXICAL_PROVIDER_ID = `lexical-hash-${LEXICAL_DIMENSION}`;

/** Hashed TF-IDF: needs no model, deterministic, fast; also the fallback. */
export const lexicalEmbedder: Embedder = (_texts, analyses, _signal, checkpoint) =>
  Promise.resolve({
    matrix: lexicalVectors(
      analyses.map((a) => a.terms),
      checkpoint,
    ),
    provider: LEXICAL_PROVIDER_ID,
    fallback: null,
  });

function isAbort(err: unknown, signal: AbortSignal): boolean {
  return err instanceof BehaviorAbortedError || signal.aborted;
}

/**
 * Wraps a provider with the vector cache, batching (checking for a stop between batches and while
 * waiting), progress (texts with vectors so far) and the
 * lexical fallback: if the provider cannot load or answer, the run goes on with lexical vectors
 * and says so in its metadata, rather than failing the teacher's request.
 */
export function providerEmbedder(provider: EmbeddingProvider, cache: VectorCache | null): Embedder {
  return async (texts, analyses, signal, checkpoint, onProgress = () => undefined) => {
    try {
      const unique = [...new Set(texts)];
      checkpoint();
      const cached = cache
        ? await awaitWithCheckpoints(
            cache.get(provider.id, unique).catch(() => unique.map(() => null)),
            checkpoint,
          )
        : unique.map(() => null);
      const byText = new Map<string, Float32Array>();
      const missing: string[] = [];
      unique.forEach((t, i) => {
        const v = cached[i];
        if (v) byText.set(t, v);
        else missing.push(t);
      });
      let done = unique.length - missing.length;
      onProgress(done, unique.length);
      const writes: Promise<void>[] = [];
      const keep = (batch: readonly string[], vectors: readonly Float32Array[]) => {
        batch.forEach((t, j) => byText.set(t, vectors[j]));
        done += batch.length;
        onProgress(done, unique.length);
        if (cache) writes.push(cache.set(provider.id, batch, vectors).catch(() => undefined));
      };
      if (provider.embedMany) {
        await provider.embedMany(missing, {
          signal,
          checkpoint,
          onVectors: (indices, vectors) =>
            keep(
              indices.map((i) => missing[i]),
              vectors,
            ),
        });
      } else {
        for (let i = 0; i < missing.length; i += provider.batchSize) {
          checkpoint();
          const batch = missing.slice(i, i + provider.batchSize);
          keep(batch, await awaitWithCheckpoints(provider.embed(batch, signal), checkpoint));
        }
      }
      await awaitWithCheckpoints(Promise.all(writes), checkpoint);
      const d = byText.get(unique[0])?.length ?? 0;
      const data = new Float32Array(texts.length * d);
      texts.forEach((t, i) => {
        if (i % 2048 === 0) checkpoint();
        const v = byText.get(t)!;
        if (v.length !== d) throw new Error(`${provider.id} returned vectors of different lengths`);
        data.set(v, i * d);
      });
      return {
        matrix: normalizeRows({ n: texts.length, d, data }, checkpoint),
        provider: provider.id,
        fallback: null,
      };
    } catch (err) {
      if (isAbort(err, signal)) throw err;
      const reason = `${provider.id} unavailable (${err instanceof Error ? err.message : String(err)}); used ${LEXICAL_PROVIDER_ID}`;
      const fallback = await lexicalEmbedder(texts, analyses, signal, checkpoint);
      return { ...fallback, fallback: reason };
    }
  };
}
