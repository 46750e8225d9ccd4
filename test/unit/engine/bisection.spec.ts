import { balancedSizes, bisect, splitAt } from '../../../src/engine/clustering/bisection';
import { seededRandom } from '../../../src/engine/random';
import { normalizeRows } from '../../../src/engine/vectors/matrix';

/** The split a full sort by (projection, row number) gives: the reference for splitAt. */
function sortedSplit(proj: Float64Array, idx: Int32Array, cut: number): Set<number> {
  const order = Array.from(idx.keys()).sort((a, b) => proj[a] - proj[b] || idx[a] - idx[b]);
  return new Set(order.slice(0, cut));
}

describe('splitAt (the quickselect behind each bisection step)', () => {
  it('puts exactly the cut smallest projections first, ties broken by row number', () => {
    const random = seededRandom(7);
    for (let trial = 0; trial < 200; trial++) {
      const len = 2 + Math.floor(random() * 300);
      // Few distinct values in some trials, so ties are common.
      const levels = trial % 3 === 0 ? 4 : 1000;
      const proj = Float64Array.from({ length: len }, () => Math.floor(random() * levels));
      const idx = Int32Array.from({ length: len }, (_, r) => (r * 7919) % 100_003);
      const cut = 1 + Math.floor(random() * (len - 1));
      const order = splitAt(proj, idx, cut, () => undefined);
      expect(new Set(order.slice(0, cut))).toEqual(sortedSplit(proj, idx, cut));
      expect([...order].sort((a, b) => a - b)).toEqual(Array.from(idx.keys()));
    }
  });

  it('stays linear on sorted, reversed and constant input, checking for a stop as it goes', () => {
    for (const make of [(r: number) => r, (r: number) => -r, () => 1]) {
      const len = 200_000;
      const proj = Float64Array.from({ length: len }, (_, r) => make(r));
      const idx = Int32Array.from({ length: len }, (_, r) => r);
      let checks = 0;
      const order = splitAt(proj, idx, len >> 1, () => void checks++);
      expect(new Set(order.slice(0, len >> 1))).toEqual(sortedSplit(proj, idx, len >> 1));
      expect(checks).toBeGreaterThan(0);
      // A quadratic pass count would be ~len; median-of-three keeps it near log2(len).
      expect(checks).toBeLessThan(200);
    }
  });

  it('bisects into parts of exactly the asked sizes, the same on every run', () => {
    const random = seededRandom(3);
    const n = 1000;
    const d = 16;
    const m = normalizeRows({
      n,
      d,
      data: Float32Array.from({ length: n * d }, () => random() - 0.5),
    });
    const sizes = balancedSizes(n, 37);
    const a = bisect(m, sizes, () => undefined).map((p) => Array.from(p));
    const b = bisect(m, sizes, () => undefined).map((p) => Array.from(p));
    expect(a.map((p) => p.length)).toEqual(sizes);
    expect(a).toEqual(b);
    expect(new Set(a.flat()).size).toBe(n);
  });
});
