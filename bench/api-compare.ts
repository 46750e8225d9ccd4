// npm run bench:api -- --compare <git ref>: this checkout against another commit, side by side in
// one run. The ref is checked out in a temporary git worktree, installed (`npm ci`, from the npm
// cache when it can) and built (`nest build`); each build runs as its own API process on its own
// redis-server, and the two are measured in alternating rounds so that a change in the machine's
// load falls on both. Access control is on (a verified bearer token on every request) and logs
// go to a file at info level, as in production. Loopback only; bounded in time and count.
import { execFileSync } from 'node:child_process';
import Redis from 'ioredis';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { startPrivateRedis } from '../src/redis/private-redis';
import { describeTool, LoadRequest, LoadResult, loadTool, runLoad } from './load';
import { auth, freePort, get, HOST, json, median, post, startApi } from './service';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 32;
const TOOL = loadTool();
/** Distinct tasks read in the status load: half finished, half not. */
const TASKS = 1000;
/** Both builds keep a task in the hash `{KEY_PREFIX}:task:{id}`. */
const KEY_PREFIX = 'bench';
const SECRET = 'bench-only-secret-0123456789abcdef0123456789';
const ROOT = join(__dirname, '..', '..');

interface Build {
  label: string;
  entry: string;
}

interface Target {
  label: string;
  base: string;
  redisUrl: string;
  stop: () => Promise<void>;
}

const git = (...args: string[]) =>
  execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();

/** Checks the ref out next to this one and builds it; this checkout is built as it is. */
function prepare(ref: string): { ours: Build; theirs: Build; cleanup: () => void } {
  const commit = git('rev-parse', '--verify', `${ref}^{commit}`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-ref-'));
  execFileSync('git', ['worktree', 'add', '--detach', dir, commit], { cwd: ROOT, stdio: 'ignore' });
  const run = (cwd: string, args: string[]) =>
    execFileSync('npm', args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
  run(dir, ['ci', '--no-audit', '--no-fund', '--prefer-offline']);
  run(dir, ['run', 'build']);
  run(ROOT, ['run', 'build']);
  return {
    ours: {
      label: `this checkout (${git('rev-parse', '--short', 'HEAD')})`,
      entry: join(ROOT, 'dist/main.js'),
    },
    theirs: { label: `${ref} (${commit.slice(0, 7)})`, entry: join(dir, 'dist/main.js') },
    cleanup: () => {
      execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: ROOT, stdio: 'ignore' });
    },
  };
}

/**
 * The per-client rate limit of both builds: off by default, since one load client would be
 * refused past the service's default; BENCH_RATE_LIMIT=100000000 counts every request without
 * refusing any, to measure what the limit costs.
 */
const RATE_LIMIT = process.env.BENCH_RATE_LIMIT ?? '0';
if (!/^\d{1,12}$/.test(RATE_LIMIT)) throw new Error('BENCH_RATE_LIMIT must be a whole number');

const env = (logLevel: string): Record<string, string> => ({
  EMBEDDED_WORKERS: 'true',
  AUTH_JWT_SECRET: SECRET,
  LOG_LEVEL: logLevel,
  RATE_LIMIT_PER_MINUTE: RATE_LIMIT,
  KEY_PREFIX,
  // Heavy tasks stay queued (the "not finished" half of the status reads, and triggers).
  WORKER_QUEUES: 'light-behaviors',
});

async function start(build: Build, logDir: string): Promise<Target> {
  const redis = await startPrivateRedis(
    HOST,
    await freePort(),
    mkdtempSync(join(tmpdir(), 'bench-cmp-redis-')),
    false,
  );
  const log = openSync(join(logDir, `${build.entry.replace(/\W+/g, '_')}.log`), 'a');
  // Info level is `info` for pino and `log` for Nest's own logger (older commits).
  const api = await startApi(redis.url, env('info'), { entry: build.entry, stdout: log }).catch(
    () => startApi(redis.url, env('log'), { entry: build.entry, stdout: log }),
  );
  return {
    label: build.label,
    base: api.base,
    redisUrl: redis.url,
    stop: async () => {
      api.proc.kill('SIGTERM');
      await new Promise((r) => api.proc.once('exit', r));
      closeSync(log);
      await redis.stop();
    },
  };
}

const STUDENTS = Array.from({ length: 30 }, (_, i) => ({
  name: `student${i}@school.edu`,
  text:
    ['Solar panels and batteries', 'Wind farms on the coast', 'Buses and bikes'][i % 3] + ` ${i}`,
}));

async function deployment(base: string, behaviors: Record<string, unknown>): Promise<string> {
  const d = await json<{ id: string }>(
    await post(`${base}/api/page-deployments`, { title: 'bench', behaviors }),
  );
  await json(
    await post(
      `${base}/api/page-deployments/${d.id}/submissions`,
      { submissions: STUDENTS },
      'PUT',
    ),
  );
  return d.id;
}

/**
 * 1,000 task URLs: half finished (a light behavior run to SUCCESS), half running (a heavy
 * behavior on a deployment of its own, shown running: see `markRunning`).
 */
async function taskUrls(target: Target): Promise<string[]> {
  const base = target.base;
  const urls: string[] = [];
  const running: string[] = [];
  const light = await deployment(base, { '1': { type: 'random_grouping' } });
  for (let i = 0; i < TASKS / 2; i++) {
    const t = await json<{ task_id: string }>(
      await post(`${base}/api/page-deployments/${light}/behaviors/trigger`, {
        behavior_number: '1',
        async_execution: true,
      }),
    );
    const url = `/api/page-deployments/${light}/behaviors/tasks/${t.task_id}`;
    // One run per behavior at a time: the next trigger waits for this one to finish.
    while ((await json<{ state: string }>(await get(base + url))).state !== 'SUCCESS')
      await new Promise((r) => setTimeout(r, 2));
    urls.push(url);
  }
  const heavy: Record<string, unknown> = {};
  for (let b = 1; b <= 10; b++) heavy[String(b)] = { type: 'theme_creator' };
  for (let i = 0; i < TASKS / 2 / 10; i++) {
    const d = await deployment(base, heavy);
    for (let b = 1; b <= 10; b++) {
      const t = await json<{ task_id: string }>(
        await post(`${base}/api/page-deployments/${d}/behaviors/trigger`, {
          behavior_number: String(b),
        }),
      );
      urls.push(`/api/page-deployments/${d}/behaviors/tasks/${t.task_id}`);
      running.push(t.task_id);
    }
  }
  await markRunning(target.redisUrl, running);
  const last = await json<{ state: string }>(await get(base + urls[urls.length - 1]));
  if (last.state !== 'PROGRESS') throw new Error('a task marked running does not read PROGRESS');
  return urls;
}

/**
 * Shows queued tasks as running, with the fields a worker's start writes (start.lua, the same
 * in both builds), without running them: a real run of a heavy behavior would end long before
 * the rounds do, and 500 at once would need 500 runner threads. Their jobs stay queued (this
 * process's worker serves only light behaviors), and with no entry in the lease index no reaper
 * ends them.
 */
async function markRunning(redisUrl: string, taskIds: readonly string[]): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    const started = new Date().toISOString();
    const leaseUntil = String(Date.now() + 3_600_000);
    const batch = redis.pipeline();
    for (const id of taskIds)
      batch.hset(`${KEY_PREFIX}:task:${id}`, {
        lifecycle: 'running',
        stage: 'execution',
        progress: '30',
        status: 'Executing behavior...',
        started_at: started,
        attempt: '1',
        lease_until: leaseUntil,
        input_student_count: String(STUDENTS.length),
      });
    for (const [err] of (await batch.exec()) ?? []) if (err) throw err;
  } finally {
    await redis.quit();
  }
}

/** Free (deployment, behavior) pairs for triggers, enough for every round. */
async function triggerTargets(base: string, count: number): Promise<string[]> {
  const heavy: Record<string, unknown> = {};
  for (let b = 1; b <= 10; b++) heavy[String(b)] = { type: 'group_assignment' };
  const targets: string[] = [];
  while (targets.length < count) {
    const ids = await Promise.all(
      Array.from(
        { length: 20 },
        async () =>
          (
            await json<{ id: string }>(
              await post(`${base}/api/page-deployments`, { title: 'b', behaviors: heavy }),
            )
          ).id,
      ),
    );
    for (const d of ids) for (let b = 1; b <= 10; b++) targets.push(`${d}|${b}`);
  }
  return targets;
}

interface Measures {
  statusRps: number[];
  statusP99: number[];
  triggerRps: number[];
  syncMs: number[];
  asyncMs: number[];
  asyncPausesMs: number[];
}

/** One load of status reads or triggers; a failed request or a used-up list ends the bench. */
async function load(
  label: string,
  t: Target,
  requests: readonly LoadRequest[],
  wrap: boolean,
): Promise<LoadResult> {
  const r = await runLoad(TOOL, requests, {
    base: t.base,
    connections: CONNECTIONS,
    durationS: DURATION_S,
    headers: auth.header,
    wrap,
  });
  // Out of requests first: the last one, sent again, fails (a trigger already held: 409).
  if (r.ranOut) throw new Error(`${label}: ran out of requests`);
  if (r.failures > 0) throw new Error(`${label}: ${r.failures} failed requests`);
  return r;
}

/** The first poll as soon as the 202 is in, then one every 2 ms (a poll in flight skips a tick). */
function pollEvery2ms(poll: () => Promise<string>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let busy = false;
    let polls = 0;
    const tick = () => {
      if (busy) return;
      busy = true;
      poll().then(
        (state) => {
          busy = false;
          if (state === 'SUCCESS') done();
          else if (state === 'FAILURE' || ++polls > 5000)
            done(new Error('light behavior did not succeed'));
        },
        (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
      );
    };
    const timer = setInterval(tick, 2);
    const done = (err?: Error) => {
      clearInterval(timer);
      if (err) reject(err);
      else resolve();
    };
    tick();
  });
}

/** Polls with a 2 ms pause after each answer (the harness's first reading of "every 2 ms"). */
async function pollWithPauses(poll: () => Promise<string>): Promise<void> {
  for (let polls = 0; ; polls++) {
    const state = await poll();
    if (state === 'SUCCESS') return;
    if (state === 'FAILURE' || polls > 5000) throw new Error('light behavior did not succeed');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/**
 * Light behavior to SUCCESS as a client sees it: sync, and async followed by polling, both ways:
 * a poll every 2 ms (a timer, as `setInterval(poll, 2)` in a frontend), and a 2 ms pause after
 * each answer (so a poll cycle is 2 ms plus a round trip).
 */
async function lightRound(
  t: Target,
  dep: string,
): Promise<{ sync: number; async: number; asyncPauses: number }> {
  const sync: number[] = [];
  const asyncTimes: number[] = [];
  const asyncPauses: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t0 = performance.now();
    await json(
      await post(`${t.base}/api/page-deployments/${dep}/behaviors/trigger`, {
        behavior_number: '1',
      }),
    );
    sync.push(performance.now() - t0);
  }
  for (const [times, polling] of [
    [asyncTimes, pollEvery2ms],
    [asyncPauses, pollWithPauses],
  ] as const) {
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now();
      const task = await json<{ task_id: string }>(
        await post(`${t.base}/api/page-deployments/${dep}/behaviors/trigger`, {
          behavior_number: '1',
          async_execution: true,
        }),
      );
      const url = `${t.base}/api/page-deployments/${dep}/behaviors/tasks/${task.task_id}`;
      await polling(async () => (await json<{ state: string }>(await get(url))).state);
      times.push(performance.now() - t0);
    }
  }
  return { sync: median(sync), async: median(asyncTimes), asyncPauses: median(asyncPauses) };
}

const range = (xs: number[], digits = 0) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`;

export async function compare(ref: string): Promise<void> {
  const { ours, theirs, cleanup } = prepare(ref);
  const logDir = mkdtempSync(join(tmpdir(), 'bench-cmp-logs-'));
  const token = await new SignJWT({ role: 'admin' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('bench')
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(SECRET));
  auth.header = { authorization: `Bearer ${token}` };
  const targets: Target[] = [];
  const loads: number[] = [];
  try {
    for (const b of [ours, theirs]) targets.push(await start(b, logDir));
    const reads = (await Promise.all(targets.map((t) => taskUrls(t)))).map((urls) =>
      urls.map((path): LoadRequest => ({ path })),
    );
    const triggers = (
      await Promise.all(targets.map((t) => triggerTargets(t.base, 8000 * DURATION_S * ROUNDS)))
    ).map((pool) =>
      pool.map((target): LoadRequest => {
        const [d, b] = target.split('|');
        const path = `/api/page-deployments/${d}/behaviors/trigger`;
        return { path, body: JSON.stringify({ behavior_number: b }) };
      }),
    );
    const lightDeps = await Promise.all(
      targets.map((t) => deployment(t.base, { '1': { type: 'random_grouping' } })),
    );
    const cursors = targets.map(() => ({ next: 0 }));
    const m: Measures[] = targets.map(() => ({
      statusRps: [],
      statusP99: [],
      triggerRps: [],
      syncMs: [],
      asyncMs: [],
      asyncPausesMs: [],
    }));
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate which build goes first, so neither always runs on a warmer or cooler machine.
      const order = r % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) {
        loads.push(loadavg()[0]);
        const s = await load('status reads', targets[i], reads[i], true);
        m[i].statusRps.push(s.rps);
        m[i].statusP99.push(s.p99Ms);
        // Each trigger on a behavior no earlier round used (a used one is still held: 409).
        const free = triggers[i].slice(cursors[i].next);
        const tr = await load('triggers', targets[i], free, false);
        cursors[i].next += tr.used;
        m[i].triggerRps.push(tr.rps);
        const light = await lightRound(targets[i], lightDeps[i]);
        m[i].syncMs.push(light.sync);
        m[i].asyncMs.push(light.async);
        m[i].asyncPausesMs.push(light.asyncPauses);
      }
    }
    const rows: [string, (x: Measures) => number[], number, boolean][] = [
      [
        `status reads/s (GET task, ${TASKS} ids, half finished, half running)`,
        (x) => x.statusRps,
        0,
        true,
      ],
      ['status read p99 latency, ms', (x) => x.statusP99, 1, false],
      ['async triggers/s (each on its own behavior, 202)', (x) => x.triggerRps, 0, true],
      ['light behavior, sync: trigger -> 200 with result, median ms', (x) => x.syncMs, 2, false],
      [
        'light behavior, async + a poll every 2 ms -> SUCCESS seen, median ms',
        (x) => x.asyncMs,
        2,
        false,
      ],
      [
        'light behavior, async + a 2 ms pause after each poll -> SUCCESS seen, median ms',
        (x) => x.asyncPausesMs,
        2,
        false,
      ],
    ];
    const lines = [
      `Run on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; commit ${git('rev-parse', '--short', 'HEAD')} against ${theirs.label}. ${ROUNDS} alternating rounds of ${DURATION_S} s per load, ${describeTool(TOOL, CONNECTIONS)} on loopback, access control on (HS256 bearer token on every request), ${RATE_LIMIT === '0' ? 'rate limit off' : `rate limit ${RATE_LIMIT} a minute`}, logs at info level to a file; 1-min load average ${Math.min(...loads).toFixed(2)}-${Math.max(...loads).toFixed(2)}. Median (range) of the rounds; ratio = ours / ref for throughput, ref / ours for latency (above 1 is better for us).`,
      '',
      `| measure | ${ours.label} | ${theirs.label} | ratio |`,
      '|---|---|---|---|',
      ...rows.map(([label, pick, digits, higherIsBetter]) => {
        const a = median(pick(m[0]));
        const b = median(pick(m[1]));
        const ratio = higherIsBetter ? a / b : b / a;
        return `| ${label} | ${range(pick(m[0]), digits)} | ${range(pick(m[1]), digits)} | ${ratio.toFixed(2)}x |`;
      }),
    ];
    console.log(lines.join('\n'));
    writeSection(lines.join('\n'));
  } finally {
    for (const t of targets) await t.stop().catch(() => undefined);
    cleanup();
    rmSync(logDir, { recursive: true, force: true });
  }
}

/** Replaces the comparison section of docs/benchmarks.md (or adds it after the title). */
function writeSection(body: string): void {
  const file = join(ROOT, 'docs', 'benchmarks.md');
  const start = '<!-- bench:api --compare (written by the benchmark) -->';
  const end = '<!-- end of bench:api --compare -->';
  const section = `${start}\n\n## API, side by side with another commit (\`npm run bench:api -- --compare <ref>\`)\n\n${body}\n\n${end}`;
  const doc = readFileSync(file, 'utf8');
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  const next =
    a >= 0 && b > a
      ? doc.slice(0, a) + section + doc.slice(b + end.length)
      : doc.replace(/^(# .*\n)/, `$1\n${section}\n`);
  writeFileSync(file, next);
}
