import { termsWithBigrams } from '../text/analyze';

/** Map updates between two stop checks: a few milliseconds. */
const WORK_PER_CHECK = 20_000;

/**
 * Class-based TF-IDF: a term scores high for a theme when it is frequent in that theme's
 * answers and rare across the other themes. Returns up to `top` keywords per theme, without
 * listing both a bigram and a word it contains. Cost: O(total terms + distinct terms x log).
 */
export function classKeywords(
  themeTerms: readonly (readonly string[][])[],
  top = 6,
  checkpoint: () => void = () => undefined,
): string[][] {
  // Checks are paced by terms, not answers: an answer at the length limit has thousands.
  let work = 0;
  const tick = (amount: number) => {
    work += amount;
    if (work >= WORK_PER_CHECK) {
      work = 0;
      checkpoint();
    }
  };
  const tf = themeTerms.map((docs) => {
    const counts = new Map<string, number>();
    for (const terms of docs) {
      tick(1 + 2 * terms.length);
      for (const t of termsWithBigrams(terms)) counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    return counts;
  });
  checkpoint();
  const overall = new Map<string, number>();
  let totalWords = 0;
  for (const counts of tf) {
    for (const [t, c] of counts) {
      tick(1);
      overall.set(t, (overall.get(t) ?? 0) + c);
      totalWords += c;
    }
  }
  const avgWords = totalWords / Math.max(1, tf.length);
  return tf.map((counts) => {
    checkpoint();
    const scored = [...counts.entries()]
      // A bigram said once is an accident of phrasing, not a theme.
      .filter(([t, n]) => !t.includes(' ') || n >= 2)
      .map(([t, n]) => ({ t, score: n * Math.log(1 + avgWords / (overall.get(t) ?? 1)) }))
      .sort((a, b) => b.score - a.score || (a.t < b.t ? -1 : 1));
    const chosen: string[] = [];
    for (const { t } of scored) {
      const words = t.split(' ');
      const overlaps = chosen.some((k) => {
        const kw = k.split(' ');
        return words.some((w) => kw.includes(w));
      });
      if (overlaps) continue;
      chosen.push(t);
      if (chosen.length >= top) break;
    }
    return chosen;
  });
}

function titleCase(s: string): string {
  return s
    .split(' ')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

/** "Solar Panel & Battery": the top keywords, at most three and four words in all. */
export function keywordTitle(keywords: readonly string[]): string {
  const parts: string[] = [];
  let words = 0;
  for (const k of keywords) {
    const w = k.split(' ').length;
    if (parts.length >= 3 || (parts.length >= 2 && words + w > 4)) break;
    parts.push(titleCase(k));
    words += w;
  }
  return parts.length > 0 ? parts.join(' & ') : 'Miscellaneous Answers';
}
