import { GroupingMethod } from '../types';
import { ChatMessage, jsonField } from './chat-client';

const MAX_MEMBERS = 8;
const MAX_ANSWER = 400;

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}\u2026` : s);

const METHOD_WORDS: Record<GroupingMethod, string> = {
  homogeneous: 'students whose answers are similar',
  diverse: 'students whose answers differ, so they can learn from each other',
  mixed: 'a mix: some students with similar answers and some with different ones',
};

export function explanationPrompt(
  method: GroupingMethod,
  members: readonly { name: string; text: string }[],
): ChatMessage[] {
  const answers = members
    .slice(0, MAX_MEMBERS)
    .map((m, i) => `${i + 1}. ${clip(m.text.replace(/\s+/g, ' '), MAX_ANSWER)}`)
    .join('\n');
  return [
    {
      role: 'system',
      content:
        'You explain to a teacher why students were put in the same group. Write exactly two ' +
        'sentences that name concrete topics or ideas from the answers. Do not invent facts, do not ' +
        'use student names. Reply with JSON only: {"explanation": "..."}',
    },
    {
      role: 'user',
      content: `The group holds ${METHOD_WORDS[method]}. Their answers:\n${answers}`,
    },
  ];
}

/** Accepts one to three sentences of plain prose, 20 to 600 characters. */
export function checkExplanation(answer: string): string | null {
  const text = jsonField(answer, 'explanation');
  if (text === null || text.length < 20 || text.length > 600 || /[{}<>`]/.test(text)) return null;
  const sentences = text.split(/(?<=[.!?])\s+/).filter((s) => s.trim().length > 0);
  return sentences.length >= 1 && sentences.length <= 3 ? text : null;
}

export function themeTitlePrompt(
  keywords: readonly string[],
  snippets: readonly string[],
  guidance: string,
): ChatMessage[] {
  return [
    {
      role: 'system',
      content:
        'You name a theme found in students\u2019 answers. The name has 2 to 4 words. ' +
        (guidance.trim() ? `Teacher\u2019s guidance: ${clip(guidance.trim(), 500)} ` : '') +
        'Reply with JSON only: {"title": "..."}',
    },
    {
      role: 'user',
      content: `Keywords: ${keywords.join(', ')}\nAnswers:\n${snippets.map((s) => `- ${clip(s, MAX_ANSWER)}`).join('\n')}`,
    },
  ];
}

/** Accepts 2 to 4 words of letters, digits and light punctuation, at most 60 characters. */
export function checkThemeTitle(answer: string): string | null {
  const title = jsonField(answer, 'title')
    ?.replace(/^["'\u201c]|["'\u201d.]$/g, '')
    .trim();
  if (!title || title.length > 60 || /[\n{}<>`]/.test(title)) return null;
  const words = title.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w));
  return words.length >= 2 && words.length <= 4 ? title : null;
}
