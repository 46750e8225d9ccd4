import { AnalyzedText } from '../text/analyze';
import { GroupingMethod } from '../types';

export interface GroupMemberText {
  name: string;
  analysis: AnalyzedText;
}

/** How many answers in the class use each term: rare terms say more about a group. O(terms). */
export function documentFrequencies(
  all: readonly AnalyzedText[],
  checkpoint: () => void = () => undefined,
): Map<string, number> {
  const df = new Map<string, number>();
  // Paced by terms, not answers: an answer at the length limit has thousands of them.
  let work = 0;
  for (const a of all) {
    work += 1 + a.terms.length;
    if (work >= 20_000) {
      work = 0;
      checkpoint();
    }
    for (const t of new Set(a.terms)) df.set(t, (df.get(t) ?? 0) + 1);
  }
  return df;
}

function listing(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function shortName(name: string): string {
  return name.includes('@') ? name.slice(0, name.indexOf('@')) : name;
}

/** Terms used by at least two members, most widely shared and rarest in the class first. */
function sharedTerms(
  members: readonly GroupMemberText[],
  df: Map<string, number>,
  total: number,
): string[] {
  const count = new Map<string, number>();
  for (const m of members)
    for (const t of new Set(m.analysis.terms)) count.set(t, (count.get(t) ?? 0) + 1);
  return [...count.entries()]
    .filter(([, c]) => c >= 2)
    .map(([t, c]) => ({ t, score: c * Math.log(1 + total / (df.get(t) ?? 1)) }))
    .sort((a, b) => b.score - a.score || (a.t < b.t ? -1 : 1))
    .slice(0, 3)
    .map((x) => x.t);
}

/** The term that sets one member apart: frequent in their answer, rare in the class. */
function distinctiveTerm(
  member: GroupMemberText,
  exclude: ReadonlySet<string>,
  df: Map<string, number>,
  total: number,
): string | null {
  const tf = new Map<string, number>();
  for (const t of member.analysis.terms) if (!exclude.has(t)) tf.set(t, (tf.get(t) ?? 0) + 1);
  let best: string | null = null;
  let bestScore = -Infinity;
  for (const [t, c] of tf) {
    const score = c * Math.log(1 + total / (df.get(t) ?? 1));
    if (score > bestScore || (score === bestScore && best !== null && t < best)) {
      best = t;
      bestScore = score;
    }
  }
  return best;
}

/**
 * An explanation written from the group's own answers: what its members share and, for
 * diverse and mixed groups, the different angles each brings. Deterministic, no model needed.
 */
export function explainGroup(
  members: readonly GroupMemberText[],
  method: GroupingMethod,
  df: Map<string, number>,
  total: number,
): string {
  const shared = sharedTerms(members, df, total);
  const sharedSet = new Set(shared);
  const angles = members
    .map((m) => ({ who: shortName(m.name), term: distinctiveTerm(m, sharedSet, df, total) }))
    .filter((a): a is { who: string; term: string } => a.term !== null)
    .slice(0, 4)
    .map((a) => `${a.who} on \u201c${a.term}\u201d`);
  const sharedText = shared.map((t) => `\u201c${t}\u201d`);
  const example = members[0];
  const quote = example
    ? ` For example, ${shortName(example.name)} wrote: \u201c${example.analysis.firstSentence}\u201d`
    : '';
  if (method === 'homogeneous') {
    if (shared.length > 0) {
      return `These ${members.length} students wrote about similar things: ${listing(sharedText)} come up in several of their answers.${quote}`;
    }
    return `These ${members.length} students gave the closest answers available, though they share no key term.${quote}`;
  }
  const anglesText =
    angles.length > 0 ? ` It brings together different angles: ${listing(angles)}.` : '';
  if (shared.length > 0) {
    return `Members share an interest in ${listing(sharedText)}.${anglesText}`;
  }
  return `This group joins students whose answers have little in common.${anglesText || quote}`;
}
