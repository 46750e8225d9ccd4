import { balancedSizes, bisect } from './bisection';
import { seededRandom } from '../random';
import { addRow, dotVec, Matrix } from '../vectors/matrix';

export interface Clustering {
  k: number;
  assignments: Int32Array;
  /** k x d, unit length */
  centroids: Float64Array;
  /** Sum over answers of the cosine to their centroid: higher is tighter. */
  cohesion: number;
}

function normalizeCentroids(c: Float64Array, k: number, d: number): void {
  for (let j = 0; j < k; j++) {
    let s = 0;
    for (let t = 0; t < d; t++) s += c[j * d + t] ** 2;
    if (s > 0) {
      const inv = 1 / Math.sqrt(s);
      for (let t = 0; t < d; t++) c[j * d + t] *= inv;
    }
  }
}

function nearest(m: Matrix, i: number, c: Float64Array, k: number): [number, number] {
  let best = 0;
  let bestSim = -Infinity;
  for (let j = 0; j < k; j++) {
    const s = dotVec(m, i, c, j * m.d);
    if (s > bestSim) {
      bestSim = s;
      best = j;
    }
  }
  return [best, bestSim];
}

/**
 * Spherical k-means (cosine) with k-means++ seeding from a fixed seed, so the same answers
 * always give the same themes. A cluster that empties is re-seeded with the answer that fits
 * its own cluster worst.
 */
function kmeansOnce(
  m: Matrix,
  k: number,
  checkpoint: () => void,
  seed: number,
  maxIterations: number,
  initial: Float64Array | null = null,
): Clustering {
  const { n, d } = m;
  const random = seededRandom(seed);
  const centroids = new Float64Array(k * d);
  const setCentroid = (j: number, i: number) => {
    for (let t = 0; t < d; t++) centroids[j * d + t] = m.data[i * d + t];
  };
  // k-means++: each next seed is drawn in proportion to its distance from the chosen ones.
  if (initial) {
    centroids.set(initial);
  } else {
    setCentroid(0, Math.floor(random() * n));
    const dist = new Float64Array(n).fill(Infinity);
    for (let j = 1; j < k; j++) {
      checkpoint();
      let total = 0;
      for (let i = 0; i < n; i++) {
        if ((i & 4095) === 4095) checkpoint();
        const dj = Math.max(0, 1 - dotVec(m, i, centroids, (j - 1) * d));
        if (dj < dist[i]) dist[i] = dj;
        total += dist[i] * dist[i];
      }
      let pick = 0;
      if (total > 0) {
        let r = random() * total;
        for (pick = 0; pick < n - 1; pick++) {
          r -= dist[pick] * dist[pick];
          if (r <= 0) break;
        }
      } else {
        pick = Math.floor(random() * n);
      }
      setCentroid(j, pick);
    }
  }

  const assignments = new Int32Array(n).fill(-1);
  const fit = new Float64Array(n);
  for (let iter = 0; iter < maxIterations; iter++) {
    checkpoint();
    let moved = 0;
    for (let i = 0; i < n; i++) {
      // k centroids per row: with many themes on 512-d rows a row costs ~k x 512 products.
      if ((i & 1023) === 1023) checkpoint();
      const [j, s] = nearest(m, i, centroids, k);
      fit[i] = s;
      if (assignments[i] !== j) {
        assignments[i] = j;
        moved++;
      }
    }
    centroids.fill(0);
    const counts = new Int32Array(k);
    for (let i = 0; i < n; i++) {
      if ((i & 4095) === 4095) checkpoint();
      const j = assignments[i];
      counts[j]++;
      addRow(m, i, centroids, j * d, 1);
    }
    for (let j = 0; j < k; j++) {
      if (counts[j] > 0) continue;
      checkpoint();
      // Empty cluster: take the worst-fitting answer of a cluster that can spare one.
      let worst = -1;
      for (let i = 0; i < n; i++) {
        if (counts[assignments[i]] > 1 && (worst < 0 || fit[i] < fit[worst])) worst = i;
      }
      if (worst < 0) continue;
      const from = assignments[worst];
      addRow(m, worst, centroids, from * d, -1);
      counts[from]--;
      assignments[worst] = j;
      counts[j] = 1;
      fit[worst] = 1;
      setCentroid(j, worst);
      moved++;
    }
    normalizeCentroids(centroids, k, d);
    if (moved === 0) break;
  }
  let cohesion = 0;
  for (let i = 0; i < n; i++) {
    if ((i & 4095) === 4095) checkpoint();
    cohesion += dotVec(m, i, centroids, assignments[i] * d);
  }
  return { k, assignments, centroids, cohesion };
}

/** Centroids of a balanced recursive bisection: a start that follows the data's main directions. */
function bisectionCentroids(m: Matrix, k: number, checkpoint: () => void): Float64Array {
  const c = new Float64Array(k * m.d);
  bisect(m, balancedSizes(m.n, k), checkpoint).forEach((leaf, j) => {
    checkpoint();
    for (const i of leaf) addRow(m, i, c, j * m.d, 1);
  });
  normalizeCentroids(c, k, m.d);
  return c;
}

/** k-means++ restarts after the bisection start: many for small inputs, none for huge ones. */
export function defaultRestarts(n: number): number {
  return n <= 2_000 ? 8 : n <= 20_000 ? 2 : 0;
}

/**
 * k-means from the bisection start and `restarts` k-means++ seedings, keeping the tightest
 * result: one seeding can land in a poor local optimum, especially on sparse lexical vectors.
 */
export function kmeans(
  m: Matrix,
  k: number,
  checkpoint: () => void,
  restarts = defaultRestarts(m.n),
  maxIterations = 30,
): Clustering {
  let best = kmeansOnce(m, k, checkpoint, 42, maxIterations, bisectionCentroids(m, k, checkpoint));
  for (let r = 0; r < restarts; r++) {
    const c = kmeansOnce(m, k, checkpoint, 42 + r, maxIterations);
    if (c.cohesion > best.cohesion) best = c;
  }
  return best;
}

/**
 * Simplified silhouette (distances to centroids, not to every point): how much closer each
 * answer is to its own theme than to the next best. Higher is better; O(n x k x d).
 */
export function centroidSilhouette(m: Matrix, c: Clustering, checkpoint: () => void): number {
  let total = 0;
  for (let i = 0; i < m.n; i++) {
    if ((i & 1023) === 1023) checkpoint();
    const own = c.assignments[i];
    const a = 1 - dotVec(m, i, c.centroids, own * m.d);
    let b = Infinity;
    for (let j = 0; j < c.k; j++) {
      if (j !== own) b = Math.min(b, 1 - dotVec(m, i, c.centroids, j * m.d));
    }
    const denom = Math.max(a, b);
    total += denom > 0 ? (b - a) / denom : 0;
  }
  return total / m.n;
}

/**
 * Picks the number of themes when the teacher did not: the k in 2..max with the best
 * silhouette, with a small penalty per extra theme so ties go to fewer, broader themes.
 */
export function chooseK(m: Matrix, maxK: number, checkpoint: () => void): Clustering {
  // The choice is made on a sample of at most SAMPLE answers (cheap at any class size),
  // then the chosen k is fitted on everyone.
  const sample = sampleRows(m, SAMPLE);
  let best: Clustering | null = null;
  let bestScore = -Infinity;
  for (let k = 2; k <= maxK; k++) {
    // Two starts are enough to rank the candidates; the chosen k gets the full fit below.
    const c = kmeans(sample, k, checkpoint, 1);
    const score = centroidSilhouette(sample, c, checkpoint) - 0.01 * k;
    if (score > bestScore) {
      bestScore = score;
      best = c;
    }
  }
  return kmeans(m, best?.k ?? Math.max(1, Math.min(maxK, m.n)), checkpoint);
}

const SAMPLE = 1000;

/**
 * A seeded random sample of rows (the matrix itself if small). Random rather than every k-th row,
 * so a periodic order in the input cannot hide whole themes from the sample.
 */
function sampleRows(m: Matrix, size: number): Matrix {
  if (m.n <= size) return m;
  const random = seededRandom(1234);
  const pool = Array.from({ length: m.n }, (_, i) => i);
  for (let r = 0; r < size; r++) {
    const j = r + Math.floor(random() * (m.n - r));
    [pool[r], pool[j]] = [pool[j], pool[r]];
  }
  const picked = pool.slice(0, size).sort((a, b) => a - b);
  const data = new Float32Array(size * m.d);
  picked.forEach((i, r) => data.set(m.data.subarray(i * m.d, (i + 1) * m.d), r * m.d));
  return { n: size, d: m.d, data, nz: m.nz ? picked.map((i) => m.nz![i]) : undefined };
}
