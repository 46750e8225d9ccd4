import { analyzeText } from '../../../src/engine/text/analyze';
import { CLASS, topicOf } from '../../fixtures/class-answers';
import { runGrouping } from '../../support/engine';

describe('explanations drawn from the group\u2019s own answers (no LLM configured)', () => {
  it('names terms the members of a homogeneous group share', async () => {
    const r = await runGrouping(CLASS, { grouping_method: 'homogeneous', group_size: 6 });
    expect(r.metadata.explanation_source).toBe('answers');
    for (const [group, members] of Object.entries(r.groups)) {
      const text = r.explanations[group];
      const quoted = [...text.matchAll(/\u201c([^\u201d]+)\u201d/g)].map((m) => m[1]);
      expect(quoted.length).toBeGreaterThanOrEqual(1);
      // Every quoted shared term really appears in at least two members' answers.
      const lemmas = CLASS.filter((s) => members.includes(s.name)).map(
        (s) => analyzeText(s.text).terms,
      );
      const shared = quoted.slice(0, -1); // the last quote is the example sentence
      for (const term of shared) {
        expect(lemmas.filter((l) => l.includes(term)).length).toBeGreaterThanOrEqual(2);
      }
    }
  });

  it('gives diverse groups the different angles each member brings', async () => {
    const r = await runGrouping(CLASS, { grouping_method: 'diverse', group_size: 4 });
    for (const [group, members] of Object.entries(r.groups)) {
      const text = r.explanations[group];
      expect(text).toContain('different angles');
      const named = members.filter((m) => text.includes(m.split('@')[0]));
      expect(named.length).toBeGreaterThanOrEqual(2);
      expect(new Set(members.map(topicOf)).size).toBeGreaterThanOrEqual(2);
    }
  });

  it('never gives two groups the same generic sentence', async () => {
    for (const method of ['homogeneous', 'diverse', 'mixed'] as const) {
      const r = await runGrouping(CLASS, { grouping_method: method, group_size: 4 });
      const texts = Object.values(r.explanations);
      expect(new Set(texts).size).toBe(texts.length);
    }
  });
});
