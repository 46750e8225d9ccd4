import { BehaviorFn } from '../behavior';
import { requireStudents, studentTexts } from '../students';
import { mapBounded } from '../llm/chat-client';
import { checkThemeTitle, themeTitlePrompt } from '../llm/prompts';
import { analyzeTexts } from '../text/analyze';
import { Theme } from '../types';
import { dotVec } from '../vectors/matrix';
import { chooseK, Clustering, kmeans } from './kmeans';
import { classKeywords, keywordTitle } from './keywords';

const MAX_AUTO_THEMES = 10;
const SNIPPETS = 3;

export const themeCreator: BehaviorFn<'theme_creator'> = async (ctx) => {
  const c = ctx.config;
  ctx.progress(40, 'Filtering student data...');
  const students = studentTexts(ctx.students, c.selected_submission_prompts).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  requireStudents(students, ctx.students.length, 1, 'find themes', c.selected_submission_prompts);
  ctx.checkpoint();

  ctx.progress(50, 'Building vectors for clustering...');
  const texts = students.map((s) => s.text);
  const analyses = analyzeTexts(texts, ctx.checkpoint);
  const vectors = await ctx.embed(texts, analyses, ctx.signal, ctx.checkpoint);
  const m = vectors.matrix;
  ctx.checkpoint();

  ctx.progress(60, 'Performing theme clustering...');
  let clustering: Clustering;
  if (c.num_themes !== null) {
    clustering = kmeans(m, Math.min(c.num_themes, students.length), ctx.checkpoint);
  } else {
    const maxK = Math.min(
      MAX_AUTO_THEMES,
      Math.floor(students.length / 2),
      Math.ceil(Math.sqrt(students.length)),
    );
    clustering = maxK >= 2 ? chooseK(m, maxK, ctx.checkpoint) : kmeans(m, 1, ctx.checkpoint);
  }
  ctx.checkpoint();

  ctx.progress(70, 'Generating theme labels...');
  const members: number[][] = Array.from({ length: clustering.k }, () => []);
  clustering.assignments.forEach((j, i) => members[j].push(i));
  const used = members.map((list, j) => ({ list, j })).filter((x) => x.list.length > 0);
  const keywords = classKeywords(used.map(({ list }) => list.map((i) => analyses[i].terms)));
  const themes: Theme[] = used.map(({ list, j }, t) => {
    const nearest = list
      .map((i) => ({ i, s: dotVec(m, i, clustering.centroids, j * m.d) }))
      .sort((a, b) => b.s - a.s || a.i - b.i);
    const snippets: string[] = [];
    for (const { i } of nearest) {
      const s = analyses[i].firstSentence;
      if (!snippets.includes(s)) snippets.push(s);
      if (snippets.length >= SNIPPETS) break;
    }
    const names = list.map((i) => students[i].name).sort();
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
