// npm run bench:runs — the heavy behaviors through the running service, as a school runs them:
// an API process with its embedded worker and its own redis-server, a client that polls every
// 5 ms. For each provider (the default model, lexical) and class size it reports
//  - whole runs: group assignment on a class whose vectors are not cached yet, then theme
//    creation and the other grouping methods on the same answers (vectors now cached);
//  - cancel latency in every phase of both behaviors: from sending POST .../cancel to the poll
//    that sees the terminal state, with cancels placed at spread offsets inside each phase;
//  - the same in the phases a class of answers at the 20,000-character limit reaches.
// Bounded: sizes from BENCH_SIZES (default 3000,10000), BENCH_ROUNDS cancels per phase
// (default 3), each wait capped. Only loopback traffic; the redis-server is ours and stopped.
import { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { startPrivateRedis } from '../src/redis/private-redis';
import { Submission } from '../src/engine/types';
import { limitLengthClass, realisticClass } from './realistic-class';
import { freePort, HOST, json, median, post, startApi } from './service';

const SIZES = (process.env.BENCH_SIZES ?? '3000,10000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0); // BENCH_SIZES=0: only the class of limit-length answers
const PROVIDERS = (process.env.BENCH_PROVIDERS ?? 'model,lexical').split(',');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LIMIT_CLASS = Number(process.env.BENCH_LIMIT_CLASS ?? 3000);
const POLL_MS = 5;
/** Phases shorter than this cannot be hit reliably by a client polling every 5 ms. */
const SHORTEST_PHASE_MS = 15;
/** Cancels are placed at most this far into a phase (vectors of a large class run for minutes). */
const LATEST_OFFSET_MS = 8_000;
/** A profile run that has not finished by then is cancelled (that cancel is measured too). */
const PROFILE_CAP_MS = Number(process.env.BENCH_PROFILE_CAP_MS ?? 240_000);
const TERMINAL = new Set(['SUCCESS', 'FAILURE']);

interface Status {
  state: string;
  status: string;
  progress: number;
  stage: string;
  error: string | null;
}

const BEHAVIORS: Record<string, { label: string; config: Record<string, unknown> }> = {
  '1': {
    label: 'group_assignment, homogeneous',
    config: { type: 'group_assignment', config: { grouping_method: 'homogeneous' } },
  },
  '2': {
    label: 'group_assignment, diverse',
    config: { type: 'group_assignment', config: { grouping_method: 'diverse' } },
  },
  '3': {
    label: 'group_assignment, mixed',
    config: { type: 'group_assignment', config: { grouping_method: 'mixed' } },
  },
  '4': { label: 'theme_creator', config: { type: 'theme_creator' } },
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => Math.round(loadavg()[0] * 100) / 100;
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
/** "Building student vectors (300 of 3000)..." -> "Building student vectors". */
const phaseOf = (status: string) => status.replace(/ \(.*$/, '').replace(/\.+$/, '');

class Service {
  private constructor(
    readonly base: string,
    private readonly proc: ChildProcess,
    private readonly stopRedis: () => Promise<void>,
  ) {}

  static async start(provider: string): Promise<Service> {
    const redis = await startPrivateRedis(
      HOST,
      await freePort(),
      mkdtempSync(join(tmpdir(), 'bench-runs-redis-')),
      false,
    );
    const api = await startApi(redis.url, {
      EMBEDDED_WORKERS: 'true',
      EMBEDDING_PROVIDER: provider,
      RATE_LIMIT_PER_MINUTE: '0',
      EMBEDDING_CACHE_MAX_KEYS: '200000',
    });
    return new Service(api.base, api.proc, () => redis.stop());
  }

  async stop(): Promise<void> {
    this.proc.kill('SIGTERM');
    await new Promise((r) => this.proc.once('exit', r));
    await this.stopRedis();
  }

  async deployment(students: readonly Submission[]): Promise<string> {
    const behaviors = Object.fromEntries(Object.entries(BEHAVIORS).map(([n, b]) => [n, b.config]));
    const { id } = await json<{ id: string }>(
      await post(`${this.base}/api/page-deployments`, { title: 'bench', behaviors }),
    );
    // Stay under the body limit: long answers go in smaller requests.
    const chunk = students[0] && students[0].text.length > 2_000 ? 300 : 5_000;
    for (let i = 0; i < students.length; i += chunk) {
      await json(
        await post(
          `${this.base}/api/page-deployments/${id}/submissions`,
          { submissions: students.slice(i, i + chunk) },
          'PUT',
        ),
      );
    }
    return id;
  }

  async remove(deployment: string): Promise<void> {
    // A JSON content type, as every state-changing call needs (else 415).
    const res = await post(`${this.base}/api/page-deployments/${deployment}`, {}, 'DELETE');
    if (!res.ok) throw new Error(`DELETE deployment: ${res.status} ${await res.text()}`);
  }

  async trigger(deployment: string, behavior: string): Promise<string> {
    const t = await json<{ task_id: string }>(
      await post(`${this.base}/api/page-deployments/${deployment}/behaviors/trigger`, {
        behavior_number: behavior,
        async_execution: true,
      }),
    );
    return t.task_id;
  }

  status(deployment: string, task: string): Promise<Status> {
    return fetch(`${this.base}/api/page-deployments/${deployment}/behaviors/tasks/${task}`).then(
      (r) => json<Status>(r),
    );
  }

  /** Asks for a cancel; a task that has just finished answers 409, which is not an error here. */
  async cancel(deployment: string, task: string): Promise<void> {
    const res = await post(
      `${this.base}/api/page-deployments/${deployment}/behaviors/tasks/${task}/cancel`,
      {},
    );
    if (res.status !== 409) await json(res);
  }
}

interface Timeline {
  /** Phase name -> ms from the trigger to when it was first seen, in order. */
  phases: [string, number][];
  totalMs: number;
  final: Status;
}

/** Polls a task every 5 ms until it ends (or the cap), noting when each phase was first seen. */
async function profile(
  svc: Service,
  dep: string,
  behavior: string,
  cap = PROFILE_CAP_MS,
): Promise<Timeline> {
  const t0 = performance.now();
  const task = await svc.trigger(dep, behavior);
  const phases: [string, number][] = [];
  for (;;) {
    const s = await svc.status(dep, task);
    const now = performance.now() - t0;
    if (TERMINAL.has(s.state)) return { phases, totalMs: now, final: s };
    if (s.state === 'PROGRESS') {
      const p = phaseOf(s.status);
      if (phases.at(-1)?.[0] !== p) phases.push([p, now]);
    }
    if (now > cap) {
      await svc.cancel(dep, task);
      await untilTerminal(svc, dep, task);
      return { phases, totalMs: now, final: s };
    }
    await sleep(POLL_MS);
  }
}

async function untilTerminal(svc: Service, dep: string, task: string): Promise<Status> {
  for (let i = 0; i < 60_000 / POLL_MS; i++) {
    const s = await svc.status(dep, task);
    if (TERMINAL.has(s.state)) return s;
    await sleep(POLL_MS);
  }
  throw new Error(`task ${task} did not end within a minute of its cancel`);
}

/** Phase durations from a timeline; the last phase runs to the end (or is open: Infinity). */
function durations(t: Timeline): [string, number][] {
  return t.phases.map(([p, at], i) => [
    p,
    (t.phases[i + 1]?.[1] ?? (t.final.state === 'SUCCESS' ? t.totalMs : Infinity)) - at,
  ]);
}

interface CancelSample {
  ms: number;
  killed: boolean;
}

/**
 * Triggers, waits until `phase` shows, waits `offset` more, cancels, and times the cancel to the
 * poll that sees the terminal state. Null when the phase was missed or the task ended first.
 */
async function cancelIn(
  svc: Service,
  dep: string,
  behavior: string,
  phase: string,
  offset: number,
): Promise<CancelSample | null> {
  const task = await svc.trigger(dep, behavior);
  const started = performance.now();
  let seenAt = -1;
  for (;;) {
    const s = await svc.status(dep, task);
    if (TERMINAL.has(s.state)) return null;
    if (s.state === 'PROGRESS') {
      const p = phaseOf(s.status);
      if (p === phase && seenAt < 0) seenAt = performance.now();
      else if (p !== phase && seenAt >= 0) break; // the phase ended before the offset
    }
    if (seenAt >= 0 && performance.now() - seenAt >= offset) {
      const t0 = performance.now();
      await svc.cancel(dep, task);
      const end = await untilTerminal(svc, dep, task);
      const ms = performance.now() - t0;
      if (end.stage !== 'cancelled') return null;
      return { ms, killed: (end.error ?? '').includes('was killed') };
    }
    if (performance.now() - started > PROFILE_CAP_MS) break;
    await sleep(POLL_MS);
  }
  await svc.cancel(dep, task).catch(() => undefined);
  await untilTerminal(svc, dep, task);
  return null;
}

interface PhaseRow {
  what: string;
  phase: string;
  phaseMs: number;
  samples: CancelSample[];
  missed: number;
  loads: number[];
}

function printRow(provider: string, n: number, r: PhaseRow): void {
  const ms = r.samples.map((s) => s.ms);
  const killed = r.samples.filter((s) => s.killed).length;
  console.log(
    `| ${r.what} | ${provider} | ${n.toLocaleString('en')} | ${r.phase} | ${Number.isFinite(r.phaseMs) ? fmt(r.phaseMs) : 'open'} | ${ms.length ? fmt(median(ms)) : '-'} | ${ms.length ? fmt(Math.max(...ms)) : '-'} | ${ms.length}${r.missed ? ` (${r.missed} missed)` : ''} | ${killed} | ${Math.min(...r.loads)}-${Math.max(...r.loads)} |`,
  );
}

/** Cancels spread over each phase of a timeline, on the given deployment (or a fresh one each). */
async function cancelsOverPhases(
  svc: Service,
  provider: string,
  n: number,
  what: string,
  behavior: string,
  timeline: Timeline,
  deploymentFor: FreshClass,
): Promise<void> {
  for (const [phase, phaseMs] of durations(timeline)) {
    if (phaseMs < SHORTEST_PHASE_MS) {
      console.log(
        `| ${what} | ${provider} | ${n.toLocaleString('en')} | ${phase} | ${fmt(phaseMs)} | shorter than ${SHORTEST_PHASE_MS} ms: not targeted | | | | |`,
      );
      continue;
    }
    const row: PhaseRow = { what, phase, phaseMs, samples: [], missed: 0, loads: [] };
    for (let r = 0; r < ROUNDS; r++) {
      const span = Math.min(phaseMs, LATEST_OFFSET_MS);
      const offset = (span * (r + 0.5)) / ROUNDS - POLL_MS;
      // Runs vary: when the phase ended before the offset, try again nearer its start.
      for (const share of [1, 0.5, 0]) {
        const dep = await deploymentFor();
        row.loads.push(load());
        const sample = await cancelIn(svc, dep.id, behavior, phase, Math.max(0, offset * share));
        await dep.done();
        if (sample) {
          row.samples.push(sample);
          break;
        }
        row.missed++;
      }
    }
    printRow(provider, n, row);
  }
}

/** The same answers made new to the vector cache (staying within the 20,000-character limit). */
function salted(students: readonly Submission[], salt: string): Submission[] {
  const tail = ` (${salt})`;
  return students.map((s) => ({
    name: s.name,
    text: s.text.slice(0, 20_000 - tail.length) + tail,
  }));
}

type FreshClass = () => Promise<{ id: string; done: () => Promise<void> }>;

/** A new deployment of the class for every call, its answers new to the vector cache. */
function freshClasses(svc: Service, students: readonly Submission[], tag: string): FreshClass {
  let round = 0;
  return async () => {
    const id = await svc.deployment(salted(students, `${tag}-${round++}`));
    return { id, done: () => svc.remove(id) };
  };
}

/** A profile run on one fresh class, capped: the phases to aim cancels at. */
async function profileOnce(
  svc: Service,
  fresh: FreshClass,
  behavior: string,
  cap: number,
): Promise<Timeline> {
  const first = await fresh();
  const t = await profile(svc, first.id, behavior, cap);
  await first.done();
  return t;
}

async function runProvider(provider: string): Promise<void> {
  for (const n of SIZES) {
    const svc = await Service.start(provider);
    try {
      // Warm the process: model loaded in the runner thread and its helpers.
      const warm = await svc.deployment(realisticClass(200, 8, 30, 77));
      for (const b of ['1', '4']) await profile(svc, warm, b);
      await svc.remove(warm);

      const students = realisticClass(n, 30, 30);
      const dep = await svc.deployment(students);
      console.log(`\n#### ${provider}, ${n.toLocaleString('en')} students of 30 words\n`);
      console.log('| run | vectors | time | state | load |\n|---|---|---|---|---|');
      const timelines: Record<string, Timeline> = {};
      for (const b of ['1', '4', '2', '3']) {
        const l = load();
        const t = await profile(svc, dep, b);
        const cached = provider === 'lexical' ? 'lexical' : b === '1' ? 'not cached' : 'cached';
        console.log(
          `| ${BEHAVIORS[b].label} | ${cached} | ${fmt(t.totalMs)} | ${t.final.state} | ${l} |`,
        );
        timelines[b] = t;
      }
      // The first run computed the vectors; a second profile gives the cached phase lengths.
      timelines['1'] = await profile(svc, dep, '1');

      console.log(
        '\n| cancel in | provider | students | phase | phase length | median | max | cancels | threads killed | load |\n|---|---|---|---|---|---|---|---|---|---|',
      );
      for (const b of ['1', '2', '3', '4']) {
        await cancelsOverPhases(svc, provider, n, BEHAVIORS[b].label, b, timelines[b], () =>
          Promise.resolve({ id: dep, done: () => Promise.resolve() }),
        );
      }
      if (provider !== 'lexical') {
        // Vectors that are not cached yet: a fresh class (answers salted) for every cancel.
        for (const b of ['1', '4']) {
          const fresh = freshClasses(svc, students, b);
          // Only the start of the vectors phase is needed: it is open-ended here.
          const t = await profileOnce(svc, fresh, b, 20_000);
          const vectorPhases: Timeline = {
            ...t,
            phases: t.phases.filter(([p]) => /vectors/.test(p)),
          };
          await cancelsOverPhases(
            svc,
            provider,
            n,
            `${BEHAVIORS[b].label}, vectors not cached`,
            b,
            vectorPhases,
            fresh,
          );
        }
      }
      await svc.remove(dep);
    } finally {
      await svc.stop();
    }
  }
}

async function limitClass(provider: string): Promise<void> {
  const svc = await Service.start(provider);
  try {
    const students = limitLengthClass(LIMIT_CLASS);
    console.log(
      `\n#### ${provider}, ${LIMIT_CLASS.toLocaleString('en')} answers at the 20,000-character limit\n`,
    );
    console.log(
      '| cancel in | provider | students | phase | phase length | median | max | cancels | threads killed | load |\n|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const b of ['1', '4']) {
      const fresh = freshClasses(svc, students, b);
      const t = await profileOnce(svc, fresh, b, 60_000);
      await cancelsOverPhases(
        svc,
        provider,
        LIMIT_CLASS,
        `${BEHAVIORS[b].label}, limit-length answers`,
        b,
        t,
        fresh,
      );
    }
  } finally {
    await svc.stop();
  }
}

async function main(): Promise<void> {
  console.log(
    `Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${new Date().toISOString()}; ${ROUNDS} cancels per phase, client polls every ${POLL_MS} ms`,
  );
  for (const provider of PROVIDERS) await runProvider(provider);
  if (LIMIT_CLASS > 0) for (const provider of PROVIDERS) await limitClass(provider);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
