import { meanWithinGroupSimilarity } from '../../../src/engine/grouping/swaps';
import { seededRandom, shuffled } from '../../../src/engine/random';
import { analyzeTexts } from '../../../src/engine/text/analyze';
import { lexicalVectors } from '../../../src/engine/vectors/lexical';
import { CLASS, topicOf } from '../../fixtures/class-answers';
import { runGrouping } from '../../support/engine';

// Scenario: 24 students, four topics of six, groups of four, lexical vectors. The methods must
// differ the way their names promise, measured as mean within-group cosine similarity.
describe('grouping methods really differ (24 students, 4 topics)', () => {
  const sorted = [...CLASS].sort((a, b) => (a.name < b.name ? -1 : 1));
  const matrix = lexicalVectors(
    analyzeTexts(
      sorted.map((s) => s.text),
      () => undefined,
    ).map((a) => a.terms),
    () => undefined,
  );

  /** Mean similarity of random groupings of the same sizes: the baseline. */
  const randomBaseline = (() => {
    const values: number[] = [];
    for (let seed = 1; seed <= 50; seed++) {
      const order = shuffled(
        sorted.map((_, i) => i),
        seededRandom(seed),
      );
      const groups = Array.from({ length: 6 }, (_, g) => order.slice(g * 4, g * 4 + 4));
      values.push(meanWithinGroupSimilarity(matrix, groups)!);
    }
    return values.reduce((a, b) => a + b, 0) / values.length;
  })();

  const similarity = async (method: 'homogeneous' | 'diverse' | 'mixed') =>
    (await runGrouping(CLASS, { grouping_method: method, group_size: 4 })).metadata
      .mean_within_group_similarity!;

  it('orders them homogeneous > mixed > random-ish > diverse, with clear margins', async () => {
    const homogeneous = await similarity('homogeneous');
    const mixed = await similarity('mixed');
    const diverse = await similarity('diverse');
    expect(homogeneous).toBeGreaterThan(randomBaseline * 2);
    expect(diverse).toBeLessThan(randomBaseline);
    expect(mixed).toBeGreaterThan(diverse);
    expect(mixed).toBeLessThan(homogeneous);
  });

  it('homogeneous groups are topic-pure; diverse groups span the topics', async () => {
    const homogeneous = await runGrouping(CLASS, { grouping_method: 'homogeneous', group_size: 3 });
    const purity = Object.values(homogeneous.groups).map((members) => {
      const counts = new Map<string, number>();
      for (const m of members) counts.set(topicOf(m), (counts.get(topicOf(m)) ?? 0) + 1);
      return Math.max(...counts.values()) / members.length;
    });
    // Random groups of three from four equal topics have a mean purity of about 0.54; lexical
    // vectors of one-sentence answers share words across topics ("school garden"), so the floor
    // is 0.75, not 1.
    expect(purity.reduce((a, b) => a + b, 0) / purity.length).toBeGreaterThanOrEqual(0.75);

    const diverse = await runGrouping(CLASS, { grouping_method: 'diverse', group_size: 4 });
    for (const members of Object.values(diverse.groups)) {
      expect(new Set(members.map(topicOf)).size).toBeGreaterThanOrEqual(3);
    }
  });

  it('mixed groups pair a shared view with a different one', async () => {
    const mixed = await runGrouping(CLASS, { grouping_method: 'mixed', group_size: 4 });
    for (const members of Object.values(mixed.groups)) {
      const topics = members.map(topicOf);
      const most = Math.max(
        ...[...new Set(topics)].map((t) => topics.filter((x) => x === t).length),
      );
      expect(most).toBeGreaterThanOrEqual(2); // at least two share a topic
      expect(new Set(topics).size).toBeGreaterThanOrEqual(2); // and someone brings another
    }
  });
});
