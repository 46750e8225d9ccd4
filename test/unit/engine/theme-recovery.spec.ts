import { BehaviorInputError } from '../../../src/engine/errors';
import { CLASS, topicOf, TOPICS } from '../../fixtures/class-answers';
import { adjustedRandIndex } from '../../support/ari';
import { runThemes } from '../../support/engine';

function labels(themes: { student_names: string[] }[]): { truth: string[]; found: string[] } {
  const truth: string[] = [];
  const found: string[] = [];
  themes.forEach((t, i) =>
    t.student_names.forEach((name) => {
      truth.push(topicOf(name));
      found.push(String(i));
    }),
  );
  return { truth, found };
}

describe('theme creation recovers known themes (24 answers, 4 topics)', () => {
  it('finds the four topics when asked for four (adjusted Rand index >= 0.6)', async () => {
    const r = await runThemes(CLASS, { num_themes: 4 });
    expect(r.themes).toHaveLength(4);
    const { truth, found } = labels(r.themes);
    expect(truth).toHaveLength(24);
    // 0.6 is well clear of chance (about 0) and of merging two topics into one theme (about
    // 0.6 at best would need the rest perfect); one or two strays still pass.
    expect(adjustedRandIndex(truth, found)).toBeGreaterThanOrEqual(0.6);
  });

  it('describes each theme from its own answers', async () => {
    const r = await runThemes(CLASS, { num_themes: 4 });
    for (const theme of r.themes) {
      expect(theme.keywords.length).toBeGreaterThanOrEqual(3);
      expect(theme.title).toMatch(/^[A-Z][\w ]*( & [A-Z][\w ]*){0,2}$/);
      expect(theme.description).toBe(`Theme based on ${theme.document_count} student responses`);
      expect(theme.student_count).toBe(theme.student_names.length);
      expect(theme.snippets.length).toBeGreaterThanOrEqual(1);
      expect(theme.snippets.length).toBeLessThanOrEqual(3);
      const texts = CLASS.filter((s) => theme.student_names.includes(s.name)).map((s) => s.text);
      for (const snippet of theme.snippets) expect(texts).toContain(snippet);
    }
    const allKeywords = r.themes.flatMap((t) => t.keywords).join(' ');
    for (const word of ['solar', 'car', 'canteen', 'water']) expect(allKeywords).toContain(word);
    expect(r.themes.map((t) => t.cluster_id)).toEqual([0, 1, 2, 3]);
  });

  it('chooses the number of themes from the data when none is given', async () => {
    const r = await runThemes(CLASS, { num_themes: null });
    expect(r.themes.length).toBeGreaterThanOrEqual(3);
    expect(r.themes.length).toBeLessThanOrEqual(5);
    expect(r.metadata.requested_themes).toBeNull();
    const { truth, found } = labels(r.themes);
    expect(adjustedRandIndex(truth, found)).toBeGreaterThanOrEqual(0.5);
  });

  it('is deterministic and reports the old metadata', async () => {
    const a = await runThemes(CLASS, { num_themes: 4, label: 'Ideas' });
    const b = await runThemes([...CLASS].reverse(), { num_themes: 4, label: 'Ideas' });
    expect(b.themes).toEqual(a.themes);
    expect(a.metadata).toMatchObject({
      total_students: 24,
      total_themes: 4,
      requested_themes: 4,
      includes_llm_polish: false,
      label: 'Ideas',
      title_source: 'keywords',
    });
  });

  it('makes fewer themes than asked when there are fewer students, and never invents any', async () => {
    const r = await runThemes(CLASS.slice(0, 2), { num_themes: 5 });
    expect(r.themes.length).toBeLessThanOrEqual(2);
    expect(r.themes.flatMap((t) => t.student_names).sort()).toEqual([CLASS[0].name, CLASS[1].name]);
    await expect(runThemes([])).rejects.toThrow(BehaviorInputError);
  });

  it('gives each of the four topics a theme of its own, mostly made of that topic', async () => {
    const r = await runThemes(CLASS, { num_themes: 4 });
    const majorities = r.themes.map((theme) => {
      const topics = theme.student_names.map(topicOf);
      const counts = TOPICS.map((topic) => topics.filter((t) => t === topic).length);
      const most = Math.max(...counts);
      return { topic: TOPICS[counts.indexOf(most)], share: most / topics.length };
    });
    // No topic merged into another's theme and none split in two: the majorities are exactly
    // the four topics. The adjusted Rand index above tolerates either, this does not.
    expect(majorities.map((m) => m.topic).sort()).toEqual([...TOPICS].sort());
    for (const m of majorities) expect(m.share).toBeGreaterThanOrEqual(2 / 3);
  });
});
