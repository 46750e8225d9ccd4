import { termsWithBigrams } from '../text/analyze';
import { indexSparseRows, Matrix, normalizeRows } from './matrix';

export const LEXICAL_DIMENSION = 512;

/** FNV-1a: a fast, stable string hash, so the same word always lands in the same slot. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Hashed TF-IDF over lemmas and their bigrams: deterministic, needs no model, and fast enough
 * for 100,000 answers. IDF is computed over the batch, so words every student uses weigh
 * little. A sign bit from the hash keeps collisions from adding up in one direction.
 * Cost: O(total terms), with a checkpoint every 256 answers (well under a millisecond each).
 */
export function lexicalVectors(
  termLists: readonly string[][],
  checkpoint: () => void,
  d = LEXICAL_DIMENSION,
): Matrix {
  const n = termLists.length;
  const features = new Array<string[]>(n);
  const df = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    if (i % 256 === 0) checkpoint();
    features[i] = termsWithBigrams(termLists[i]);
    for (const f of new Set(features[i])) df.set(f, (df.get(f) ?? 0) + 1);
  }
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    if (i % 256 === 0) checkpoint();
    const tf = new Map<string, number>();
    for (const f of features[i]) tf.set(f, (tf.get(f) ?? 0) + 1);
    for (const [f, count] of tf) {
      const idf = Math.log((1 + n) / (1 + (df.get(f) ?? 0))) + 1;
      const weight = (1 + Math.log(count)) * idf * (f.includes(' ') ? 0.7 : 1);
      const h = hash(f);
      data[i * d + (h % d)] += h & 0x80000000 ? -weight : weight;
    }
  }
  return indexSparseRows(normalizeRows({ n, d, data }, checkpoint), checkpoint);
}
