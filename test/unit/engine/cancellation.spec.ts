import { BehaviorAbortedError } from '../../../src/engine/errors';
import { groupAssignment } from '../../../src/engine/grouping/group-assignment';
import { themeCreator } from '../../../src/engine/themes/theme-creator';
import { GroupingMethod } from '../../../src/engine/types';
import { syntheticClass } from '../../../bench/synthetic-class';
import { fakeContext, groupConfig, themeConfig } from '../../support/engine';

// A stop request must be seen inside every long step, not only between them. Run once to learn
// where the checkpoints fall, then stop at the first checkpoint of each step and in the middle
// of it, and check the behavior ends with an abort there.
const students = syntheticClass(3000);

async function checkpointsOf(
  run: (abortAt?: number) => Promise<unknown>,
  steps: () => number[],
): Promise<number[]> {
  await run();
  return steps();
}

/** Reading answers and building vectors report progress from 50 to 59: one step, "vectors". */
const stepOf = (percent: number) => (percent >= 50 && percent < 60 ? 50 : percent);

function stopPoints(steps: number[]): number[] {
  const points = new Set<number>();
  for (const step of new Set(steps)) {
    const calls = steps.map((s, i) => (s === step ? i + 1 : -1)).filter((i) => i > 0);
    points.add(calls[0]);
    points.add(calls[Math.floor(calls.length / 2)]);
  }
  return [...points].sort((a, b) => a - b);
}

describe('cancellation inside every long step', () => {
  it.each<GroupingMethod>(['homogeneous', 'diverse', 'mixed'])(
    'group assignment (%s)',
    async (method) => {
      let steps: number[] = [];
      const run = (abortAt?: number) => {
        const f = fakeContext(students, groupConfig({ grouping_method: method }), {
          abortAtCheckpoint: abortAt,
        });
        steps = f.checkpointSteps;
        return groupAssignment(f.ctx);
      };
      const all = await checkpointsOf(run, () => steps);
      // Filtering (40) is one short pass; vectors (50), grouping (60) and explanations (75)
      // are long loops and check again and again.
      expect(all.filter((s) => s === 40).length).toBeGreaterThanOrEqual(1);
      for (const step of [50, 60, 75]) {
        expect(all.filter((s) => stepOf(s) === step).length).toBeGreaterThanOrEqual(3);
      }
      for (const at of stopPoints(all)) {
        await expect(run(at)).rejects.toBeInstanceOf(BehaviorAbortedError);
        expect(steps).toHaveLength(at); // it stopped right there, not later
      }
    },
  );

  it('theme creation', async () => {
    let steps: number[] = [];
    const run = (abortAt?: number) => {
      const f = fakeContext(students, themeConfig({ num_themes: null }), {
        abortAtCheckpoint: abortAt,
      });
      steps = f.checkpointSteps;
      return themeCreator(f.ctx);
    };
    const all = await checkpointsOf(run, () => steps);
    for (const step of [50, 60]) {
      expect(all.filter((s) => stepOf(s) === step).length).toBeGreaterThanOrEqual(3);
    }
    for (const at of stopPoints(all)) {
      await expect(run(at)).rejects.toBeInstanceOf(BehaviorAbortedError);
      expect(steps).toHaveLength(at);
    }
  });
});
