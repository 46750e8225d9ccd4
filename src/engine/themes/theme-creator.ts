import { BehaviorContext, BehaviorFn } from '../behavior';
import { studentsToWorkOn } from '../students';
import { embedAnswers, readAnswers, startPhase } from '../steps';
import { mapBounded } from '../llm/chat-client';
import { checkThemeTitle, themeTitlePrompt } from '../llm/prompts';
import { AnalyzedText } from '../text/analyze';
import { Theme, ThemeCreatorConfig } from '../types';
import { dotVec, normalizeRows } from '../vectors/matrix';
import { reduceDense } from '../vectors/projection';
import { chooseK, Clustering, kmeans } from '../clustering/kmeans';
import { classKeywords, keywordTitle } from './keywords';

const MAX_AUTO_THEMES = 10;
const SNIPPETS = 3;

export const themeCreator: BehaviorFn<'theme_creator'> = async (ctx) => {
  const c = ctx.config;
  ctx.progress(40, 'Filtering student data...');
  const students = studentsToWorkOn(ctx.students, c.selected_submission_prompts, 1, 'find themes');
  ctx.checkpoint();

  const { texts, analyses } = readAnswers(ctx, students, 'Building vectors for clustering...');
  const { clusters, vectors } = await vectorsAndClusters(ctx, texts, analyses);

  ctx.progress(70, 'Generating theme labels...');
  const used = clusters.filter((members) => members.length > 0);
  const keywords = classKeywords(
    used.map((list) => list.map((i) => analyses[i].terms)),
    6,
    ctx.checkpoint,
  );
  const themes: Theme[] = used.map((list, t) => {
    ctx.checkpoint();
    const snippets: string[] = [];
    for (const i of list) {
      const s = analyses[i].firstSentence;
      if (!snippets.includes(s)) snippets.push(s);
      if (snippets.length >= SNIPPETS) break;
    }
    const names = list.map((i) => students[i].name).sort();
    ctx.checkpoint();
    return {
      title: keywordTitle(keywords[t]),
      description: `Theme based on ${list.length} student response${list.length === 1 ? '' : 's'}`,
      keywords: keywords[t],
      snippets,
      document_count: list.length,
      cluster_id: 0,
      student_names: names,
      student_count: names.length,
    };
  });
  themes.sort((a, b) => b.document_count - a.document_count || (a.title < b.title ? -1 : 1));
  themes.forEach((theme, i) => (theme.cluster_id = i));

  const polish = c.use_llm_polish && ctx.llm !== null;
  let polished = 0;
  if (polish) {
    ctx.progress(85, 'Polishing theme names with LLM...');
    const titles = await mapBounded(
      themes,
      ctx.llm!.parallelism,
      async (theme) =>
        checkThemeTitle(
          await ctx.llm!.complete(
            themeTitlePrompt(theme.keywords, theme.snippets, c.llm_polish_prompt),
            ctx.signal,
          ),
        ) ?? undefined,
      ctx.signal,
    );
    ctx.checkpoint();
    // Any failed or unusable answer keeps that theme's keyword title.
    titles.forEach((title, i) => {
      if (title !== undefined) {
        themes[i].title = title;
        polished++;
      }
    });
  }

  return {
    themes,
    metadata: {
      total_students: students.length,
      total_themes: themes.length,
      requested_themes: c.num_themes,
      clustering_method: c.num_themes === null ? 'kmeans (k chosen by silhouette)' : 'kmeans',
      includes_llm_polish: polish,
      label: c.label,
      embedding_provider: vectors.provider,
      embedding_fallback: vectors.fallback,
      title_source: polished === 0 ? 'keywords' : polished === themes.length ? 'llm' : 'mixed',
    },
  };
};

/**
 * The steps that need the vectors, apart, so the vector matrix can be collected before labels
 * are written. Returns each cluster's members, nearest to its centre first.
 */
async function vectorsAndClusters(
  ctx: BehaviorContext<ThemeCreatorConfig>,
  texts: string[],
  analyses: AnalyzedText[],
): Promise<{ clusters: number[][]; vectors: { provider: string; fallback: string | null } }> {
  const {
    matrix: full,
    provider,
    fallback,
  } = await embedAnswers(ctx, texts, analyses, 'Building vectors for clustering');
  ctx.checkpoint();
  const checkpoint = startPhase(ctx, 60, 69, 'Performing theme clustering...');
  // Dense model vectors are clustered in a 32-d projection, re-normalised (cosine k-means).
  const m = normalizeRows(reduceDense(full, checkpoint), checkpoint);
  const n = texts.length;
  const requested = ctx.config.num_themes;
  let clustering: Clustering;
  if (requested !== null) {
    clustering = kmeans(m, Math.min(requested, n), checkpoint);
  } else {
    const maxK = Math.min(MAX_AUTO_THEMES, Math.floor(n / 2), Math.ceil(Math.sqrt(n)));
    clustering = maxK >= 2 ? chooseK(m, maxK, checkpoint) : kmeans(m, 1, checkpoint);
  }
  checkpoint();
  const fit = new Float64Array(n);
  const clusters: number[][] = Array.from({ length: clustering.k }, () => []);
  clustering.assignments.forEach((j, i) => {
    clusters[j].push(i);
    fit[i] = dotVec(m, i, clustering.centroids, j * m.d);
  });
  for (const members of clusters) {
    checkpoint();
    members.sort((a, b) => fit[b] - fit[a] || a - b);
  }
  return { clusters, vectors: { provider, fallback } };
}
