import { seededRandom } from '../random';
import { Matrix } from './matrix';

/** Dense rows wider than this are reduced before partitioning, swaps and clustering. */
export const REDUCED_DIMENSION = 32;
const SAMPLE = 768;
const SUBSPACE_ITERATIONS = 3;

/**
 * The rows in a smaller space that keeps what the grouping and clustering steps look at: the
 * mean direction plus the top principal directions of the centred rows (found by subspace
 * iteration on a seeded sample of at most 768 rows). Dot products between reduced rows
 * approximate the cosines of the full rows, so partitions, swaps and k-means on them cost
 * ~10x less on 512-d model vectors, without an n x n matrix anywhere.
 * Sparse (lexical) or narrow matrices are returned as they are: their loops already skip zeros.
 * Cost: O(sample x d x r x 4) for the basis plus O(n x d x r) to project; deterministic.
 */
export function reduceDense(m: Matrix, checkpoint: () => void, r = REDUCED_DIMENSION): Matrix {
  const { n, d, data } = m;
  if (m.nz || d <= 2 * r || n <= 2 * r || r % 4 !== 0) return m;
  const random = seededRandom(97);
  const pcs = r - 1;
  // Mean of all rows: the first axis.
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    if (i % 2048 === 0) checkpoint();
    for (let k = 0, a = i * d; k < d; k++) mean[k] += data[a + k];
  }
  for (let k = 0; k < d; k++) mean[k] /= n;
  // Seeded sample, centred.
  const s = Math.min(n, SAMPLE);
  const rows = new Int32Array(s);
  for (let t = 0; t < s; t++) rows[t] = s === n ? t : Math.floor(random() * n);
  const x = new Float64Array(s * d);
  for (let t = 0; t < s; t++)
    for (let k = 0, a = rows[t] * d; k < d; k++) x[t * d + k] = data[a + k] - mean[k];
  // Subspace iteration: Q <- orth(X^T X Q), Q is d x pcs (row-major, pcs columns).
  let q = new Float64Array(d * pcs);
  for (let i = 0; i < q.length; i++) q[i] = random() - 0.5;
  orthonormalizeColumns(q, d, pcs);
  const xq = new Float64Array(s * pcs);
  for (let it = 0; it < SUBSPACE_ITERATIONS; it++) {
    checkpoint();
    xq.fill(0);
    for (let t = 0; t < s; t++) {
      if (t % 512 === 511) checkpoint();
      for (let k = 0; k < d; k++) {
        const v = x[t * d + k];
        if (v === 0) continue;
        for (let c = 0, o = k * pcs; c < pcs; c++) xq[t * pcs + c] += v * q[o + c];
      }
    }
    const next = new Float64Array(d * pcs);
    for (let t = 0; t < s; t++) {
      if (t % 512 === 511) checkpoint();
      for (let k = 0; k < d; k++) {
        const v = x[t * d + k];
        if (v === 0) continue;
        for (let c = 0, o = k * pcs; c < pcs; c++) next[o + c] += v * xq[t * pcs + c];
      }
    }
    orthonormalizeColumns(next, d, pcs);
    q = next;
  }
  // Basis as r rows of length d: the unit mean, then the principal directions.
  const basis = new Float32Array(r * d);
  let meanNorm = 0;
  for (let k = 0; k < d; k++) meanNorm += mean[k] * mean[k];
  meanNorm = Math.sqrt(meanNorm) || 1;
  for (let k = 0; k < d; k++) basis[k] = mean[k] / meanNorm;
  for (let c = 0; c < pcs; c++) for (let k = 0; k < d; k++) basis[(c + 1) * d + k] = q[k * pcs + c];
  const out = new Float32Array(n * r);
  for (let i = 0; i < n; i++) {
    // r x d products per row: 512 rows are a few milliseconds.
    if (i % 512 === 0) checkpoint();
    const a = i * d;
    // Four axes per pass over the row: each element is read once for four products.
    for (let c = 0; c < r; c += 4) {
      const b0 = c * d;
      const b1 = b0 + d;
      const b2 = b1 + d;
      const b3 = b2 + d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < d; k++) {
        const v = data[a + k];
        s0 += v * basis[b0 + k];
        s1 += v * basis[b1 + k];
        s2 += v * basis[b2 + k];
        s3 += v * basis[b3 + k];
      }
      out[i * r + c] = s0;
      out[i * r + c + 1] = s1;
      out[i * r + c + 2] = s2;
      out[i * r + c + 3] = s3;
    }
  }
  return { n, d: r, data: out };
}

/** Modified Gram-Schmidt on the columns of a rows x cols row-major matrix. */
function orthonormalizeColumns(a: Float64Array, rows: number, cols: number): void {
  for (let c = 0; c < cols; c++) {
    for (let p = 0; p < c; p++) {
      let dot = 0;
      for (let k = 0; k < rows; k++) dot += a[k * cols + c] * a[k * cols + p];
      for (let k = 0; k < rows; k++) a[k * cols + c] -= dot * a[k * cols + p];
    }
    let norm = 0;
    for (let k = 0; k < rows; k++) norm += a[k * cols + c] ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let k = 0; k < rows; k++) a[k * cols + c] /= norm;
  }
}
