import { BehaviorAbortedError } from '../../../src/engine/errors';
import { TokenLane, UseLiteProvider } from '../../../src/engine/vectors/use-lite/provider';
import { CLASS } from '../../fixtures/class-answers';

/** A lane without the model: records its batches; answers when `release` is called (or at once). */
class FakeLane implements TokenLane {
  batches: Int32Array[][] = [];
  pending: (() => void)[] = [];
  constructor(
    readonly tokenBudget: number,
    private readonly hold = false,
  ) {}
  embedTokens(tokens: readonly Int32Array[]): Promise<Float32Array[]> {
    this.batches.push([...tokens]);
    const vectors = tokens.map((t) => Float32Array.from([t.length, 1]));
    if (!this.hold) return Promise.resolve(vectors);
    return new Promise((resolve) => this.pending.push(() => resolve(vectors)));
  }
}

const texts = [
  ...CLASS.map((s) => s.text),
  'Short.',
  'A much longer answer that goes on about buses, bikes, trains and trams. '.repeat(8),
];

describe('USE lite provider scheduling', () => {
  it('batches by padded tokens, longest answers first, and gives each answer its own vector', async () => {
    const lanes = [new FakeLane(64), new FakeLane(64)];
    const vectors = await new UseLiteProvider(() => Promise.resolve(lanes)).embed(
      texts,
      new AbortController().signal,
    );
    const batches = lanes.flatMap((l) => l.batches);
    expect(lanes.every((l) => l.batches.length > 0)).toBe(true); // both lanes worked
    expect(batches.flat()).toHaveLength(texts.length);
    for (const b of batches) {
      const padded = b.length * Math.min(128, Math.max(...b.map((t) => t.length)));
      if (b.length > 1) expect(padded).toBeLessThanOrEqual(64);
    }
    const first = batches[0].map((t) => t.length);
    expect(Math.max(...first)).toBe(Math.max(...batches.flat().map((t) => t.length)));
    // Vectors come back in the order of the texts, whatever the batches were.
    const lengths = vectors.map((v) => v[0]);
    expect(lengths[texts.length - 1]).toBeGreaterThan(lengths[texts.length - 2]);
    expect(new Set(lengths).size).toBeGreaterThan(3);
  });

  it('stops while a lane is still busy when the run is cancelled', async () => {
    const lane = new FakeLane(10_000, true);
    const controller = new AbortController();
    const done = new UseLiteProvider(() => Promise.resolve([lane])).embedMany(texts, {
      signal: controller.signal,
      checkpoint: () => {
        if (controller.signal.aborted) throw new BehaviorAbortedError('cancelled');
      },
      onVectors: () => undefined,
    });
    while (lane.batches.length === 0) await new Promise((r) => setTimeout(r, 1));
    controller.abort('cancelled');
    await expect(done).rejects.toBeInstanceOf(BehaviorAbortedError);
    expect(lane.pending).toHaveLength(1); // the batch never answered: the stop did not wait for it
  });
});
