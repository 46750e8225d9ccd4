// npm run bench:behaviors — time and peak memory of the engines on generated classes, each case
// in a fresh child process so its peak RSS (VmHWM) is its own. Lexical vectors unless noted.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { BehaviorContext } from '../src/engine/behavior';
import { groupAssignment } from '../src/engine/grouping/group-assignment';
import { assignGroups } from '../src/engine/grouping/grouping';
import { groupCount } from '../src/engine/group-count';
import { themeCreator } from '../src/engine/themes/theme-creator';
import { analyzeTexts } from '../src/engine/text/analyze';
import { GroupingMethod } from '../src/engine/types';
import { lexicalEmbedder } from '../src/engine/vectors/embedder';
import { lexicalVectors } from '../src/engine/vectors/lexical';
import { UseLiteProvider } from '../src/engine/vectors/use-lite/provider';
import { syntheticClass } from './synthetic-class';

const SIZES = (process.env.BENCH_SIZES ?? '30,1000,10000,100000').split(',').map(Number);

function peakRssMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : Math.round(process.memoryUsage().rss / 1048576);
}

/** A context that records the longest stretch between two checkpoints (how late a cancel lands). */
function context<C>(students: ReturnType<typeof syntheticClass>, config: C) {
  let last = performance.now();
  let maxGap = 0;
  const ctx: BehaviorContext<C> = {
    students,
    config,
    signal: new AbortController().signal,
    checkpoint() {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    },
    progress: () => undefined,
    embed: lexicalEmbedder,
    llm: null,
  };
  return { ctx, maxGap: () => Math.max(maxGap, performance.now() - last) };
}

interface CaseResult {
  ms: number;
  peakMb: number;
  extra: string;
}

async function runCase(kind: string, n: number, method: string): Promise<CaseResult> {
  const students = syntheticClass(n);
  if (kind === 'grouping-step') {
    // The grouping step alone, on vectors computed beforehand (the issue's scaling target).
    const matrix = lexicalVectors(
      analyzeTexts(
        students.map((s) => s.text),
        () => undefined,
      ).map((a) => a.terms),
      () => undefined,
    );
    const k = groupCount(n, 4, 'students_per_group');
    const t0 = performance.now();
    assignGroups(matrix, k, method as GroupingMethod, () => undefined);
    return { ms: performance.now() - t0, peakMb: peakRssMb(), extra: `${k} groups` };
  }
  if (kind === 'group-assignment') {
    const c = context(students, {
      group_size: 4,
      group_size_mode: 'students_per_group' as const,
      grouping_method: method as GroupingMethod,
      include_explanations: true,
      label: 'bench',
      selected_submission_prompts: [],
    });
    const t0 = performance.now();
    const r = await groupAssignment(c.ctx);
    return {
      ms: performance.now() - t0,
      peakMb: peakRssMb(),
      extra: `similarity ${r.metadata.mean_within_group_similarity}, longest gap between checkpoints ${Math.round(c.maxGap())} ms`,
    };
  }
  if (kind === 'themes') {
    const c = context(students, {
      num_themes: null,
      label: 'bench',
      selected_submission_prompts: [],
      use_llm_polish: false,
      llm_polish_prompt: '',
    });
    const t0 = performance.now();
    const r = await themeCreator(c.ctx);
    return {
      ms: performance.now() - t0,
      peakMb: peakRssMb(),
      extra: `${r.themes.length} themes, longest gap between checkpoints ${Math.round(c.maxGap())} ms`,
    };
  }
  if (kind === 'model') {
    const provider = new UseLiteProvider();
    const signal = new AbortController().signal;
    const texts = students.map((s) => s.text);
    const t0 = performance.now();
    await provider.embed(texts.slice(0, 1), signal);
    const load = performance.now() - t0;
    const t1 = performance.now();
    for (let i = 0; i < texts.length; i += provider.batchSize)
      await provider.embed(texts.slice(i, i + provider.batchSize), signal);
    const ms = performance.now() - t1;
    return {
      ms,
      peakMb: peakRssMb(),
      extra: `${Math.round((texts.length / ms) * 1000)} answers/s, model load ${Math.round(load)} ms`,
    };
  }
  throw new Error(`unknown case ${kind}`);
}

function child(kind: string, n: number, method = ''): CaseResult {
  const out = execFileSync(process.execPath, [__filename, 'case', kind, String(n), method], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    timeout: 20 * 60_000,
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as CaseResult;
}

function main(): void {
  console.log(
    `Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  console.log('\n| case | students | time | peak RSS | notes |\n|---|---|---|---|---|');
  const row = (label: string, n: number, r: CaseResult) =>
    console.log(
      `| ${label} | ${n.toLocaleString('en')} | ${r.ms >= 1000 ? `${(r.ms / 1000).toFixed(2)} s` : `${Math.round(r.ms)} ms`} | ${r.peakMb} MB | ${r.extra} |`,
    );
  for (const n of SIZES) {
    for (const method of ['homogeneous', 'diverse', 'mixed'])
      row(`grouping step alone, ${method}`, n, child('grouping-step', n, method));
  }
  for (const n of SIZES) {
    for (const method of ['homogeneous', 'diverse', 'mixed'])
      row(
        `group_assignment behavior, ${method} (vectors, explanations)`,
        n,
        child('group-assignment', n, method),
      );
  }
  for (const n of SIZES)
    row(
      'theme_creator behavior, themes chosen from the data (vectors included)',
      n,
      child('themes', n),
    );
  const modelN = Number(process.env.BENCH_MODEL_N ?? 512);
  row(
    'default model (USE lite) embedding, batches of 32, one thread',
    modelN,
    child('model', modelN),
  );
}

if (process.argv[2] === 'case') {
  runCase(process.argv[3], Number(process.argv[4]), process.argv[5]).then(
    (r) => console.log(JSON.stringify(r)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
} else {
  main();
}
