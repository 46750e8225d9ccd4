import { BehaviorInputError } from '../../../src/engine/errors';
import { GroupingMethod } from '../../../src/engine/types';
import { CLASS } from '../../fixtures/class-answers';
import { runGrouping } from '../../support/engine';

const METHODS: GroupingMethod[] = ['homogeneous', 'diverse', 'mixed'];

function expectExactCover(groups: Record<string, string[]>, names: string[]): void {
  const all = Object.values(groups).flat();
  expect(all.sort()).toEqual([...names].sort()); // everyone, exactly once
  const sizes = Object.values(groups).map((g) => g.length);
  expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  expect(Object.keys(groups)).toEqual(sizes.map((_, i) => `Group${i + 1}`));
}

describe('group shapes: coverage, sizes, determinism, modes, small classes', () => {
  it.each(METHODS)(
    '%s: every student exactly once, sizes within one, for awkward class sizes',
    async (method) => {
      for (const n of [2, 3, 5, 7, 13, 24]) {
        const students = CLASS.slice(0, n);
        for (const size of [2, 3, 4, 5]) {
          const r = await runGrouping(students, { grouping_method: method, group_size: size });
          expectExactCover(
            r.groups,
            students.map((s) => s.name),
          );
          expect(r.metadata.total_groups).toBe(Math.ceil(n / size));
        }
      }
    },
  );

  it.each(METHODS)(
    '%s: the same input and config give the same groups, whatever the storage order',
    async (method) => {
      const a = await runGrouping(CLASS, { grouping_method: method });
      const b = await runGrouping([...CLASS].reverse(), { grouping_method: method });
      expect(b.groups).toEqual(a.groups);
      expect(b.explanations).toEqual(a.explanations);
    },
  );

  it('number_of_groups mode makes that many groups, and caps it for a small class', async () => {
    const r = await runGrouping(CLASS, { group_size_mode: 'number_of_groups', group_size: 5 });
    expect(r.metadata.total_groups).toBe(5);
    expectExactCover(
      r.groups,
      CLASS.map((s) => s.name),
    );
    // 3 students, 5 groups asked: min(n, max(2, n // 2)) = 2 groups, no one alone unless forced.
    const small = await runGrouping(CLASS.slice(0, 3), {
      group_size_mode: 'number_of_groups',
      group_size: 5,
    });
    expect(small.metadata.total_groups).toBe(2);
  });

  it('two students make one group of two', async () => {
    const r = await runGrouping(CLASS.slice(0, 2), { group_size: 4 });
    expect(Object.values(r.groups)).toEqual([[CLASS[0].name, CLASS[1].name].sort()]);
  });

  it('needs at least two students with text, and says so clearly', async () => {
    await expect(runGrouping(CLASS.slice(0, 1))).rejects.toThrow(BehaviorInputError);
    await expect(runGrouping(CLASS.slice(0, 1))).rejects.toThrow(
      /Need at least 2 students with non-empty text to create groups, but only 1 of the 1/,
    );
    const blank = [
      { name: 'a', text: '   ' },
      { name: 'b', text: 'hello there' },
    ];
    await expect(runGrouping(blank)).rejects.toThrow(/only 1 of the 2 submitted/);
  });

  it('uses only the selected prompts\u2019 answers when asked to', async () => {
    const students = CLASS.slice(0, 8).map((s, i) => ({
      name: s.name,
      text: 'ignored general text',
      responses: {
        p1: i < 4 ? 'solar panels and batteries' : 'buses and bike lanes',
        p2: 'unrelated',
      },
    }));
    const r = await runGrouping(students, {
      grouping_method: 'homogeneous',
      group_size: 4,
      selected_submission_prompts: ['p1'],
    });
    const groups = Object.values(r.groups).map((g) => [...g].sort());
    expect(groups).toContainEqual(
      students
        .slice(0, 4)
        .map((s) => s.name)
        .sort(),
    );
    // No one answered p3: nobody qualifies.
    await expect(runGrouping(students, { selected_submission_prompts: ['p3'] })).rejects.toThrow(
      /selected prompts \(p3\)/,
    );
  });

  it('reports its metadata as the old system did, plus the similarity', async () => {
    const r = await runGrouping(CLASS, {
      grouping_method: 'diverse',
      group_size: 4,
      label: 'Teams',
    });
    expect(r.metadata).toMatchObject({
      total_students: 24,
      total_groups: 6,
      group_size_target: 4,
      grouping_method: 'diverse',
      includes_explanations: true,
      label: 'Teams',
      explanation_source: 'answers',
      embedding_provider: 'lexical-hash-512',
    });
    expect(typeof r.metadata.mean_within_group_similarity).toBe('number');
    const none = await runGrouping(CLASS, { include_explanations: false });
    expect(none.explanations).toEqual({});
    expect(none.metadata.explanation_source).toBe('none');
  });
});
