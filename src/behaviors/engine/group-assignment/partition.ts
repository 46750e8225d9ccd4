import { Matrix } from '../vectors/matrix';

const POWER_ITERATIONS = 6;

/**
 * Projection of each listed row on the principal direction of those rows (power iteration on
 * the centred rows, never forming the covariance matrix): O(rows x d) per iteration.
 */
function principalProjection(m: Matrix, idx: Int32Array): Float64Array {
  const { d, data } = m;
  const mean = new Float64Array(d);
  for (const i of idx) for (let k = 0; k < d; k++) mean[k] += data[i * d + k];
  for (let k = 0; k < d; k++) mean[k] /= idx.length;
  // Deterministic start: the row farthest from the mean among a few, minus the mean.
  let v = new Float64Array(d);
  let best = -1;
  for (let t = 0; t < Math.min(idx.length, 8); t++) {
    const i = idx[Math.floor((t * idx.length) / Math.min(idx.length, 8))];
    let s = 0;
    for (let k = 0; k < d; k++) s += (data[i * d + k] - mean[k]) ** 2;
    if (s > best) {
      best = s;
      for (let k = 0; k < d; k++) v[k] = data[i * d + k] - mean[k];
    }
  }
  const proj = new Float64Array(idx.length);
  for (let it = 0; it < POWER_ITERATIONS; it++) {
    const w = new Float64Array(d);
    for (let r = 0; r < idx.length; r++) {
      const base = idx[r] * d;
      let p = 0;
      for (let k = 0; k < d; k++) p += (data[base + k] - mean[k]) * v[k];
      proj[r] = p;
      for (let k = 0; k < d; k++) w[k] += p * (data[base + k] - mean[k]);
    }
    let norm = 0;
    for (let k = 0; k < d; k++) norm += w[k] * w[k];
    if (norm === 0) break;
    norm = Math.sqrt(norm);
    for (let k = 0; k < d; k++) w[k] /= norm;
    v = w;
  }
  for (let r = 0; r < idx.length; r++) {
    const base = idx[r] * d;
    let p = 0;
    for (let k = 0; k < d; k++) p += (data[base + k] - mean[k]) * v[k];
    proj[r] = p;
  }
  return proj;
}

/**
 * Balanced recursive bisection: splits the rows into consecutive parts of exactly the given
 * sizes, each split cutting along the principal direction of what it splits, so similar rows
 * end up in the same part and neighbouring parts are similar to each other. Nothing is
 * quadratic: each level costs O(n x d), and there are log2(parts) levels.
 */
export function bisect(m: Matrix, sizes: readonly number[], checkpoint: () => void): Int32Array[] {
  const all = new Int32Array(m.n);
  for (let i = 0; i < m.n; i++) all[i] = i;
  const out: Int32Array[] = [];
  const visit = (idx: Int32Array, parts: readonly number[]) => {
    if (parts.length === 1) {
      out.push(idx);
      return;
    }
    checkpoint();
    const half = Math.floor(parts.length / 2);
    const left = parts.slice(0, half);
    const cut = left.reduce((a, b) => a + b, 0);
    let ordered = idx;
    if (cut > 0 && cut < idx.length) {
      const proj = principalProjection(m, idx);
      const order = Array.from(idx.keys()).sort((a, b) => proj[a] - proj[b] || idx[a] - idx[b]);
      ordered = Int32Array.from(order, (r) => idx[r]);
    }
    visit(ordered.subarray(0, cut), left);
    visit(ordered.subarray(cut), parts.slice(half));
  };
  visit(all, sizes);
  return out;
}

/** Splits `total` into `parts` sizes that differ by at most one, larger ones first. */
export function balancedSizes(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  const extra = total % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}
