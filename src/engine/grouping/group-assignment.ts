import { BehaviorContext, BehaviorFn } from '../behavior';
import { heartbeatCheckpoint } from '../checkpoints';
import { groupCount, groupName } from '../group-count';
import { mapBounded } from '../llm/chat-client';
import { checkExplanation, explanationPrompt } from '../llm/prompts';
import { studentsToWorkOn } from '../students';
import { embedAnswers, readAnswers, startPhase } from '../steps';
import { AnalyzedText } from '../text/analyze';
import { GroupAssignmentConfig, GroupingMetadata } from '../types';
import { documentFrequencies, explainGroup } from './explanations';
import { assignGroups } from './grouping';
import { meanWithinGroupSimilarity } from './swaps';

export const groupAssignment: BehaviorFn<'group_assignment'> = async (ctx) => {
  const c = ctx.config;
  ctx.progress(40, 'Filtering student data...');
  const students = studentsToWorkOn(
    ctx.students,
    c.selected_submission_prompts,
    2,
    'create groups',
  );
  const k = groupCount(students.length, c.group_size, c.group_size_mode);
  ctx.checkpoint();

  const { texts, analyses } = readAnswers(ctx, students, 'Building student vectors...');
  const { groups, similarity, vectors } = await vectorsAndGroups(ctx, texts, analyses, k);

  const named: Record<string, string[]> = {};
  const explanations: Record<string, string> = {};
  let source: GroupingMetadata['explanation_source'] = 'none';
  if (c.include_explanations) {
    ctx.progress(75, 'Generating group explanations...');
    const fromModel = ctx.llm
      ? await mapBounded(
          groups,
          ctx.llm.parallelism,
          async (members) => {
            const prompt = explanationPrompt(
              c.grouping_method,
              members.map((i) => students[i]),
            );
            return checkExplanation(await ctx.llm!.complete(prompt, ctx.signal)) ?? undefined;
          },
          ctx.signal,
        )
      : [];
    const checkpoint = heartbeatCheckpoint(
      ctx.checkpoint,
      (p, s) => ctx.progress(p, s),
      75,
      84,
      'Generating group explanations...',
    );
    checkpoint();
    const df = documentFrequencies(analyses, checkpoint);
    let llmCount = 0;
    groups.forEach((members, g) => {
      if (g % 16 === 0) checkpoint();
      const text = fromModel[g];
      if (text !== undefined) {
        llmCount++;
        explanations[groupName(g)] = text;
        return;
      }
      // No model, or this group's call failed or gave an unusable answer.
      const texts = members.map((i) => ({ name: students[i].name, analysis: analyses[i] }));
      explanations[groupName(g)] = explainGroup(texts, c.grouping_method, df, students.length);
    });
    source = llmCount === 0 ? 'answers' : llmCount === groups.length ? 'llm' : 'mixed';
  }

  ctx.progress(85, 'Finalizing results...');
  groups.forEach((members, g) => {
    if (g % 1024 === 0) ctx.checkpoint();
    named[groupName(g)] = members.map((i) => students[i].name).sort();
  });
  return {
    groups: named,
    explanations,
    metadata: {
      total_students: students.length,
      total_groups: groups.length,
      group_size_target: c.group_size,
      group_size_mode: c.group_size_mode,
      grouping_method: c.grouping_method,
      includes_explanations: c.include_explanations,
      label: c.label,
      mean_within_group_similarity:
        similarity === null ? null : Math.round(similarity * 10000) / 10000,
      explanation_source: source,
      embedding_provider: vectors.provider,
      embedding_fallback: vectors.fallback,
    },
  };
};

/**
 * The steps that need the vectors, apart, so the vector matrix (the largest array of the run)
 * can be collected before explanations are written.
 */
async function vectorsAndGroups(
  ctx: BehaviorContext<GroupAssignmentConfig>,
  texts: string[],
  analyses: AnalyzedText[],
  k: number,
): Promise<{
  groups: number[][];
  similarity: number | null;
  vectors: { provider: string; fallback: string | null };
}> {
  const { matrix, provider, fallback } = await embedAnswers(
    ctx,
    texts,
    analyses,
    'Building student vectors',
  );
  ctx.checkpoint();
  const checkpoint = startPhase(ctx, 60, 74, 'Performing hierarchical clustering...');
  const groups = assignGroups(matrix, k, ctx.config.grouping_method, checkpoint);
  const similarity = meanWithinGroupSimilarity(matrix, groups, checkpoint);
  ctx.checkpoint();
  return { groups, similarity, vectors: { provider, fallback } };
}
