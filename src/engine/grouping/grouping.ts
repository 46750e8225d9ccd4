import { seededRandom, shuffled } from '../random';
import { GroupingMethod } from '../types';
import { Matrix } from '../vectors/matrix';
import { balancedSizes, bisect } from '../clustering/bisection';
import { improveBySwaps } from './swaps';

const SWAP_PASSES = 5;
/** Up to this many groups, every pair of groups is tried for swaps (k^2/2 pairs per pass). */
const ALL_PAIRS_UP_TO = 64;

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
 * The same input always gives the same groups.
 */
export function assignGroups(
  m: Matrix,
  k: number,
  method: GroupingMethod,
  checkpoint: () => void,
  seed = 1,
): number[][] {
  const n = m.n;
  if (k <= 1) return [Array.from({ length: n }, (_, i) => i)];
  const random = seededRandom(seed);
  switch (method) {
    case 'homogeneous': {
      const groups = bisect(m, balancedSizes(n, k), checkpoint).map((leaf) => Array.from(leaf));
      const pairs = () =>
        k <= ALL_PAIRS_UP_TO ? allPairs(k) : chain(neighbourPairs(k), randomPairs(k, k, random));
      improveBySwaps(
        m,
        groups,
        pairs,
        1,
        k <= ALL_PAIRS_UP_TO ? 4 * SWAP_PASSES : SWAP_PASSES,
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
