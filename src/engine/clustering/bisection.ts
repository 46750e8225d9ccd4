import { addRow, dotRows, dotVec, Matrix } from '../vectors/matrix';

const POWER_ITERATIONS = 5;
/**
 * In a large class most splits, deep in the tree, are of a few rows; two iterations cut those
 * nearly as well at a fraction of the cost. Small classes keep every iteration: there it costs
 * nothing, and each split matters more.
 */
const SMALL_SPLIT = 64;
const SMALL_SPLIT_ITERATIONS = 2;
const LARGE_CLASS = 2000;
/** A stop is looked for every 2,048 rows (a mask): about 1-2 ms of work on 512-d rows. */
const ROWS_PER_CHECK = 2047;
const SORT_UP_TO = 4096;

/**
 * Projection of each listed row on the principal direction of those rows (power iteration on
 * the centred rows, never forming the covariance matrix): O(rows x d) per iteration.
 */
function principalProjection(m: Matrix, idx: Int32Array, checkpoint: () => void): Float64Array {
  const { d } = m;
  const mean = new Float64Array(d);
  for (let r = 0; r < idx.length; r++) {
    if ((r & ROWS_PER_CHECK) === ROWS_PER_CHECK) checkpoint();
    addRow(m, idx[r], mean, 0, 1);
  }
  for (let k = 0; k < d; k++) mean[k] /= idx.length;
  let meanSq = 0;
  for (let k = 0; k < d; k++) meanSq += mean[k] * mean[k];
  // Deterministic start: the row farthest from the mean among a few, minus the mean.
  const probes = Math.min(idx.length, 8);
  let start = idx[0];
  let best = -1;
  for (let t = 0; t < probes; t++) {
    const i = idx[Math.floor((t * idx.length) / probes)];
    const distSq = dotRows(m, i, i) - 2 * dotVec(m, i, mean) + meanSq;
    if (distSq > best) {
      best = distSq;
      start = i;
    }
  }
  let v = new Float64Array(d);
  addRow(m, start, v, 0, 1);
  for (let k = 0; k < d; k++) v[k] -= mean[k];
  // (x - mean) . v is x . v - mean . v, and sum_r p_r (x_r - mean) is sum_r p_r x_r minus
  // (sum_r p_r) mean: no centred copy of any row is made, and sparse rows stay sparse.
  const proj = new Float64Array(idx.length);
  const w = new Float64Array(d);
  const iterations =
    m.n > LARGE_CLASS && idx.length <= SMALL_SPLIT ? SMALL_SPLIT_ITERATIONS : POWER_ITERATIONS;
  for (let it = 0; it < iterations; it++) {
    let meanDotV = 0;
    for (let k = 0; k < d; k++) meanDotV += mean[k] * v[k];
    w.fill(0);
    let sumP = 0;
    for (let r = 0; r < idx.length; r++) {
      if ((r & ROWS_PER_CHECK) === ROWS_PER_CHECK) checkpoint();
      const p = dotVec(m, idx[r], v) - meanDotV;
      proj[r] = p;
      sumP += p;
      if (p !== 0) addRow(m, idx[r], w, 0, p);
    }
    let norm = 0;
    for (let k = 0; k < d; k++) {
      w[k] -= sumP * mean[k];
      norm += w[k] * w[k];
    }
    if (norm === 0) break;
    norm = Math.sqrt(norm);
    v = Float64Array.from(w, (x) => x / norm);
  }
  // proj holds the projections on the direction before the last update: close enough to cut on.
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
      const proj = principalProjection(m, idx, checkpoint);
      // Small parts are sorted (a millisecond at most): their order also picks the next
      // split's starting probes. Large ones are only split, in linear time.
      const order =
        idx.length <= SORT_UP_TO
          ? Int32Array.from(idx.keys()).sort((a, b) => proj[a] - proj[b] || idx[a] - idx[b])
          : splitAt(proj, idx, cut, checkpoint);
      ordered = Int32Array.from(order, (r) => idx[r]);
    }
    visit(ordered.subarray(0, cut), left);
    visit(ordered.subarray(cut), parts.slice(half));
  };
  visit(all, sizes);
  return out;
}

/**
 * Positions 0..len-1 rearranged so that the first `cut` are those with the smallest projections
 * (ties by row number, so the split is the same on every run). Only the split matters, not the
 * order inside each side, so a quickselect does it in O(len) where a sort took O(len log len)
 * without a checkpoint; one checkpoint per partition pass.
 */
export function splitAt(
  proj: Float64Array,
  idx: Int32Array,
  cut: number,
  checkpoint: () => void,
): Int32Array {
  const order = new Int32Array(idx.length);
  for (let r = 0; r < order.length; r++) order[r] = r;
  const less = (a: number, b: number) =>
    proj[a] < proj[b] || (proj[a] === proj[b] && idx[a] < idx[b]);
  let lo = 0;
  let hi = order.length - 1;
  while (lo < hi) {
    checkpoint();
    // Median of three as the pivot: sorted or reversed input stays linear.
    const mid = lo + ((hi - lo) >> 1);
    const [a, b, c] = [order[lo], order[mid], order[hi]];
    const pivot = less(a, b)
      ? less(b, c)
        ? b
        : less(a, c)
          ? c
          : a
      : less(a, c)
        ? a
        : less(b, c)
          ? c
          : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (less(order[i], pivot)) i++;
      while (less(pivot, order[j])) j--;
      if (i <= j) {
        const t = order[i];
        order[i] = order[j];
        order[j] = t;
        i++;
        j--;
      }
    }
    // [lo..j] <= pivot <= [i..hi]; keep the side that holds position cut (the boundary).
    if (cut <= j) hi = j;
    else if (cut >= i) lo = i;
    else break;
  }
  return order;
}

/** Splits `total` into `parts` sizes that differ by at most one, larger ones first. */
export function balancedSizes(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  const extra = total % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}
