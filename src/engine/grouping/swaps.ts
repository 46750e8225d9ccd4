import { addRow, dotRows, dotVec, Matrix } from '../vectors/matrix';

/**
 * Group sums make the objective cheap: for unit vectors, the sum of pairwise cosines inside a
 * group is (|S|^2 - m) / 2, so a swap between two groups changes the total by an amount that
 * takes O(d) to compute, with no n x n matrix anywhere.
 */
export class GroupSums {
  readonly sums: Float64Array;

  constructor(
    private readonly m: Matrix,
    readonly groups: number[][],
    checkpoint: () => void,
  ) {
    this.sums = new Float64Array(groups.length * m.d);
    checkpoint();
    groups.forEach((members, g) => {
      if (g % 256 === 0) checkpoint();
      members.forEach((i) => this.add(g, i, 1));
    });
  }

  private add(g: number, i: number, sign: number): void {
    addRow(this.m, i, this.sums, g * this.m.d, sign);
  }

  /**
   * Tries every member swap between groups a and b and applies the best one if it improves
   * the objective in the wanted direction (+1 more similar, -1 less similar).
   */
  bestSwap(a: number, b: number, direction: 1 | -1, checkpoint: () => void): boolean {
    const A = this.groups[a];
    const B = this.groups[b];
    if (A.length === 0 || B.length === 0) return false;
    const d = this.m.d;
    const offA = a * d;
    const offB = b * d;
    const aToA = A.map((i) => dotVec(this.m, i, this.sums, offA));
    const aToB = A.map((i) => dotVec(this.m, i, this.sums, offB));
    const bToA = B.map((j) => dotVec(this.m, j, this.sums, offA));
    const bToB = B.map((j) => dotVec(this.m, j, this.sums, offB));
    const selfA = A.map((i) => dotRows(this.m, i, i));
    const selfB = B.map((j) => dotRows(this.m, j, j));
    let bestGain = 1e-9;
    let bestPair: [number, number] | null = null;
    for (let x = 0; x < A.length; x++) {
      // Large groups (few of them) make one pair cost |A| x |B| products.
      if ((x & 63) === 63) checkpoint();
      for (let y = 0; y < B.length; y++) {
        const i = A[x];
        const j = B[y];
        const cross = dotRows(this.m, i, j);
        // delta = x_j - x_i moves into A and out of B.
        const deltaDotA = bToA[y] - aToA[x];
        const deltaDotB = bToB[y] - aToB[x];
        const deltaSq = selfA[x] + selfB[y] - 2 * cross;
        const change = 2 * deltaDotA - 2 * deltaDotB + 2 * deltaSq;
        const gain = direction * change;
        if (gain > bestGain) {
          bestGain = gain;
          bestPair = [x, y];
        }
      }
    }
    if (bestPair === null) return false;
    const [x, y] = bestPair;
    const i = A[x];
    const j = B[y];
    this.add(a, i, -1);
    this.add(a, j, 1);
    this.add(b, j, -1);
    this.add(b, i, 1);
    A[x] = j;
    B[y] = i;
    return true;
  }
}

/**
 * Improving swaps over the given pairs of groups, pass after pass, until a pass changes
 * nothing or the pass budget is spent. Sizes never change, so balance is kept.
 */
export function improveBySwaps(
  m: Matrix,
  groups: number[][],
  pairs: () => Iterable<[number, number]>,
  direction: 1 | -1,
  maxPasses: number,
  checkpoint: () => void,
): void {
  const sums = new GroupSums(m, groups, checkpoint);
  for (let pass = 0; pass < maxPasses; pass++) {
    let changed = 0;
    let seen = 0;
    for (const [a, b] of pairs()) {
      if (++seen % 16 === 0) checkpoint();
      if (sums.bestSwap(a, b, direction, checkpoint)) changed++;
    }
    // Stop when a pass improves almost nothing: later passes would cost as much for less.
    if (changed === 0 || changed < seen * 0.002) break;
  }
}

/** Mean over groups of the mean pairwise cosine similarity inside the group. O(n x d). */
export function meanWithinGroupSimilarity(
  m: Matrix,
  groups: readonly (readonly number[])[],
  checkpoint: () => void = () => undefined,
): number | null {
  let total = 0;
  let counted = 0;
  const d = m.d;
  const sum = new Float64Array(d);
  let rows = 0;
  for (let g = 0; g < groups.length; g++) {
    const members = groups[g];
    if (members.length < 2) continue;
    sum.fill(0);
    let self = 0;
    for (const i of members) {
      if ((++rows & 1023) === 0) checkpoint();
      for (let k = 0; k < d; k++) sum[k] += m.data[i * d + k];
      self += dotRows(m, i, i);
    }
    let sq = 0;
    for (let k = 0; k < d; k++) sq += sum[k] * sum[k];
    total += (sq - self) / (members.length * (members.length - 1));
    counted++;
  }
  return counted === 0 ? null : total / counted;
}
