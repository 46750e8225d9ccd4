import { seededRandom, shuffled } from '../random';
import { GroupingMethod } from '../types';
import { Matrix } from '../vectors/matrix';
import { reduceDense } from '../vectors/projection';
import { balancedSizes, bisect } from '../clustering/bisection';
import { improveBySwaps } from './swaps';

/** Passes of swaps; on a 32-d projection a pass costs ~16x less than on 512-d rows, so more fit. */
const SWAP_PASSES = 5;
const REDUCED_SWAP_PASSES = 10;
/** Up to this many groups, every pair of groups is tried for swaps (k^2/2 pairs per pass). */
const ALL_PAIRS_UP_TO = 64;
/** Classes larger than this are grouped on a projection of their dense vectors. */
const REDUCE_FROM = 2000;

function* allPairs(k: number): Iterable<[number, number]> {
  for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++) yield [a, b];
}

function* neighbourPairs(k: number): Iterable<[number, number]> {
  // Bisection leaves that sit next to each other are the most alike, so that is where
  // members on a boundary gain most from moving.
  for (let step = 1; step <= 3; step++) for (let g = 0; g + step < k; g++) yield [g, g + step];
}

function* chain<T>(...parts: Iterable<T>[]): Iterable<T> {
  for (const part of parts) yield* part;
}

function* randomPairs(k: number, count: number, random: () => number): Iterable<[number, number]> {
  for (let t = 0; t < count; t++) {
    const a = Math.floor(random() * k);
    const b = (a + 1 + Math.floor(random() * (k - 1))) % k;
    yield [a, b];
  }
}

/**
 * Puts n students (rows of unit vectors) into k groups whose sizes differ by at most one.
 *  - homogeneous: bisection leaves of the wanted sizes (similar students together), then
 *    swaps between neighbouring groups that raise within-group similarity;
 *  - diverse: bisection into strata of k similar students, each stratum dealt one student per
 *    group (every group spans the whole range of answers), then swaps that lower similarity;
 *  - mixed: each group joins two half-groups from opposite sides of the first split, so half
 *    of a group shares a view and the other half brings a different one.
 * The same input always gives the same groups. Cost: O(n x d x r) to reduce dense rows to r = 32 (above 2,000 students),
 * then O(n x r x log k) for the bisection and O(passes x pairs x size^2 x r) for the swaps.
 */
export function assignGroups(
  full: Matrix,
  k: number,
  method: GroupingMethod,
  checkpoint: () => void,
  seed = 1,
): number[][] {
  const n = full.n;
  if (k <= 1) return [Array.from({ length: n }, (_, i) => i)];
  // Dense model vectors of a large class are partitioned and swapped in a 32-d projection (see
  // reduceDense). A small class keeps its full vectors: there they cost little, and on the
  // fixtures the full vectors gave slightly more coherent homogeneous groups.
  const m = n > REDUCE_FROM ? reduceDense(full, checkpoint) : full;
  const random = seededRandom(seed);
  switch (method) {
    case 'homogeneous': {
      const groups = bisect(m, balancedSizes(n, k), checkpoint).map((leaf) => Array.from(leaf));
      const pairs = () =>
        k <= ALL_PAIRS_UP_TO
          ? allPairs(k)
          : chain(neighbourPairs(k), randomPairs(k, m === full ? k : 2 * k, random));
      improveBySwaps(
        m,
        groups,
        pairs,
        1,
        k <= ALL_PAIRS_UP_TO ? 4 * SWAP_PASSES : m === full ? SWAP_PASSES : REDUCED_SWAP_PASSES,
        checkpoint,
      );
      return groups;
    }
    case 'diverse': {
      const strataCount = Math.ceil(n / k);
      const sizes = Array.from({ length: strataCount }, (_, s) =>
        s < strataCount - 1 ? k : n - k * (strataCount - 1),
      );
      const groups: number[][] = Array.from({ length: k }, () => []);
      for (const stratum of bisect(m, sizes, checkpoint)) {
        shuffled(Array.from(stratum), random).forEach((i, slot) => groups[slot].push(i));
      }
      const pairs = () => (k <= ALL_PAIRS_UP_TO ? allPairs(k) : randomPairs(k, 2 * k, random));
      improveBySwaps(
        m,
        groups,
        pairs,
        -1,
        k <= ALL_PAIRS_UP_TO ? 4 * SWAP_PASSES : SWAP_PASSES,
        checkpoint,
      );
      return groups;
    }
    case 'mixed': {
      const halves = bisect(m, balancedSizes(n, 2 * k), checkpoint);
      return Array.from({ length: k }, (_, g) => [...halves[g], ...halves[g + k]]);
    }
  }
}
