import { BehaviorFn } from './behavior';
import { groupCount, groupName } from './group-count';
import { seededRandom, shuffled } from './random';
import { requireStudents, studentTexts } from './students';

/**
 * The light behavior: a seeded shuffle dealt into groups. Same result shape as group
 * assignment, so pages that read `group_{n}` work with either.
 */
export const randomGrouping: BehaviorFn<'random_grouping'> = (ctx) => {
  const { config } = ctx;
  ctx.progress(40, 'Filtering student data...');
  const students = studentTexts(ctx.students, config.selected_submission_prompts);
  requireStudents(
    students,
    ctx.students.length,
    2,
    'create groups',
    config.selected_submission_prompts,
  );
  ctx.checkpoint();

  ctx.progress(60, 'Shuffling students...');
  // Sort first so the result depends on the seed and the set of names, not on storage order.
  const names = students.map((s) => s.name).sort();
  const order = shuffled(names, seededRandom(config.seed));
  const k = groupCount(order.length, config.group_size, 'students_per_group');
  const groups: Record<string, string[]> = {};
  for (let g = 0; g < k; g++) groups[groupName(g)] = [];
  order.forEach((name, i) => groups[groupName(i % k)].push(name));

  ctx.progress(85, 'Finalizing results...');
  const explanations: Record<string, string> = {};
  for (const [group, members] of Object.entries(groups)) {
    explanations[group] =
      `${members.length} students placed together by a random shuffle (seed ${config.seed}); ` +
      'their answers were not compared.';
  }
  return Promise.resolve({
    groups,
    explanations,
    metadata: {
      total_students: order.length,
      total_groups: k,
      group_size_target: config.group_size,
      group_size_mode: 'students_per_group',
      grouping_method: 'random',
      includes_explanations: true,
      label: config.label,
      mean_within_group_similarity: null,
      explanation_source: 'shuffle',
      embedding_provider: null,
      embedding_fallback: null,
    },
  });
};
