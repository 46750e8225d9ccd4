// npm run bench:api — HTTP throughput and latency on loopback only, against a redis-server and
// API processes this script starts itself (and stops at the end). Bounded in time and count.
import { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startPrivateRedis } from '../src/redis/private-redis';
import { compare } from './api-compare';
import { freePort, HOST, json, percentile, post, startApi } from './service';

function compareWith(ref: string | undefined): Promise<void> {
  if (!ref || ref.startsWith('-'))
    throw new Error('usage: npm run bench:api -- --compare <git ref>');
  return compare(ref);
}

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
/** This VM's throughput varies a lot from run to run: each load runs this often; the median is reported. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const STUDENTS = Array.from({ length: 30 }, (_, i) => ({
  name: `student${i}@school.edu`,
  text:
    [
      'Solar panels and batteries',
      'Wind farms on the coast',
      'Nuclear plants are steady',
      'Buses and bikes in cities',
    ][i % 4] + ` answer ${i}`,
}));

async function createDeployment(base: string, behaviors: Record<string, unknown>): Promise<string> {
  const d = await json<{ id: string }>(
    await post(`${base}/api/page-deployments`, { title: 'bench', behaviors }),
  );
  await json(
    await fetch(`${base}/api/page-deployments/${d.id}/submissions`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ submissions: STUDENTS }),
    }),
  );
  return d.id;
}

async function cannon(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err: Error | null, result) => (err ? reject(err) : resolve(result)));
  });
}

/** Runs a load ROUNDS times; reports the median round's figures and the range of req/s. */
async function rounds(label: string, run: () => Promise<autocannon.Result>): Promise<string> {
  const results: autocannon.Result[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const result = await run();
    if (result.errors > 0 || result.non2xx > 0)
      throw new Error(`${label}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    results.push(result);
  }
  results.sort((a, b) => a.requests.average - b.requests.average);
  const mid = results[Math.floor(results.length / 2)];
  const range = `${Math.round(results[0].requests.average)}-${Math.round(results[results.length - 1].requests.average)}`;
  return `| ${label} | ${Math.round(mid.requests.average)} req/s (${range}) | ${mid.latency.p50} ms | ${mid.latency.p99} ms |`;
}

async function statusReads(base: string): Promise<string> {
  const d = await createDeployment(base, { '1': { type: 'random_grouping' } });
  const t = await json<{ task_id: string }>(
    await post(`${base}/api/page-deployments/${d}/behaviors/trigger`, {
      behavior_number: '1',
      async_execution: true,
    }),
  );
  await new Promise((r) => setTimeout(r, 500));
  return rounds('status reads (GET task, SUCCESS with a 30-student result)', () =>
    cannon({
      url: `${base}/api/page-deployments/${d}/behaviors/tasks/${t.task_id}`,
      connections: 50,
      duration: DURATION_S,
    }),
  );
}

async function asyncTriggers(base: string): Promise<string> {
  // Every trigger needs a behavior that is not already queued (one run per behavior), so the
  // load is spread over many deployments of ten heavy behaviors each; no worker runs them.
  const behaviors: Record<string, unknown> = {};
  for (let b = 1; b <= 10; b++) behaviors[String(b)] = { type: 'theme_creator' };
  // Room for 8,000 triggers/s (this VM has made up to about 4,500 with 50 connections).
  const needed = Math.ceil((8000 * DURATION_S * ROUNDS) / 10);
  const targets: string[] = [];
  for (let i = 0; i < needed; i += 50) {
    const ids = await Promise.all(
      Array.from(
        { length: 50 },
        async () =>
          (
            await json<{ id: string }>(
              await post(`${base}/api/page-deployments`, { title: 'bench', behaviors }),
            )
          ).id,
      ),
    );
    for (const d of ids) for (let b = 1; b <= 10; b++) targets.push(`${d}|${b}`);
  }
  let next = 0;
  const line = await rounds('async triggers (POST trigger -> 202, queued)', () =>
    cannon({
      url: base,
      connections: 50,
      duration: DURATION_S,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          setupRequest: (req) => {
            const [d, b] = targets[next++ % targets.length].split('|');
            return {
              ...req,
              path: `/api/page-deployments/${d}/behaviors/trigger`,
              body: JSON.stringify({ behavior_number: b }),
            };
          },
        },
      ],
    }),
  );
  if (next > targets.length)
    throw new Error('ran out of free behaviors; raise the deployment count');
  return line;
}

async function lightLatency(base: string): Promise<string[]> {
  const d = await createDeployment(base, { '1': { type: 'random_grouping' } });
  const asyncClient: number[] = [];
  const asyncServer: number[] = [];
  const sync: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    const t = await json<{ task_id: string }>(
      await post(`${base}/api/page-deployments/${d}/behaviors/trigger`, {
        behavior_number: '1',
        async_execution: true,
      }),
    );
    for (;;) {
      const s = await json<{ state: string; created_at: string; finished_at: string }>(
        await fetch(`${base}/api/page-deployments/${d}/behaviors/tasks/${t.task_id}`),
      );
      if (s.state === 'SUCCESS') {
        asyncClient.push(performance.now() - t0);
        asyncServer.push(Date.parse(s.finished_at) - Date.parse(s.created_at));
        break;
      }
      if (s.state === 'FAILURE') throw new Error('light behavior failed');
    }
  }
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    await json(
      await post(`${base}/api/page-deployments/${d}/behaviors/trigger`, { behavior_number: '1' }),
    );
    sync.push(performance.now() - t0);
  }
  const f = (v: number[]) =>
    `${percentile(v, 50).toFixed(1)} ms | ${percentile(v, 95).toFixed(1)} ms`;
  return [
    `| light behavior, async: trigger sent -> SUCCESS seen by a client polling back-to-back | ${f(asyncClient)} |`,
    `| light behavior, async: created_at -> finished_at on the server (ms resolution) | ${f(asyncServer)} |`,
    `| light behavior, sync: POST trigger -> 200 with the groups | ${f(sync)} |`,
  ];
}

async function cancelLatency(base: string): Promise<string> {
  const d = await createDeployment(base, {
    '1': { type: 'test_sleep', config: { duration_ms: 60_000, honour_signal: true } },
  });
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t = await json<{ task_id: string }>(
      await post(`${base}/api/page-deployments/${d}/behaviors/trigger`, { behavior_number: '1' }),
    );
    for (;;) {
      const s = await json<{ state: string }>(
        await fetch(`${base}/api/page-deployments/${d}/behaviors/tasks/${t.task_id}`),
      );
      if (s.state === 'PROGRESS') break;
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    const c = await json<{ cancelled: boolean }>(
      await post(`${base}/api/page-deployments/${d}/behaviors/tasks/${t.task_id}/cancel`, {}),
    );
    const s = await json<{ stage: string }>(
      await fetch(`${base}/api/page-deployments/${d}/behaviors/tasks/${t.task_id}`),
    );
    times.push(performance.now() - t0);
    if (!c.cancelled || s.stage !== 'cancelled')
      throw new Error('cancel did not end in the cancelled state');
  }
  return `| cancel a running task (behavior honours its signal) -> terminal cancelled state | ${percentile(times, 50).toFixed(1)} ms | ${percentile(times, 95).toFixed(1)} ms |`;
}

/**
 * A large class uploaded at once (2,000 students, 200 prompts each: 6.5 MB of JSON): how long the
 * PUT takes, and the slowest answer to a probe sent 50 ms after the previous one answered, which
 * is what a client polling meanwhile waits (the longest stall can be up to 50 ms longer). The
 * first round adds the students, the others replace them.
 */
async function largeUpload(base: string): Promise<string> {
  const d = await createDeployment(base, { '1': { type: 'random_grouping' } });
  const submissions = Array.from({ length: 2000 }, (_, i) => {
    const responses: Record<string, string> = {};
    for (let p = 0; p < 200; p++) responses[`p${p}`] = `ans ${p}`;
    return { name: `student${i}@school.edu`, text: `Some text for student ${i}`, responses };
  });
  const body = JSON.stringify({ submissions });
  const puts: number[] = [];
  const stalls: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    let done = false;
    const put = fetch(`${base}/api/page-deployments/${d}/submissions`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(60_000),
    })
      .then(async (res) => {
        await json(res);
        return performance.now() - t0;
      })
      .finally(() => (done = true));
    // Awaited below; a probe that fails first must not leave its failure unhandled.
    put.catch(() => undefined);
    let slowest = 0;
    while (!done) {
      const a = performance.now();
      await fetch(`${base}/health/live`, { signal: AbortSignal.timeout(60_000) });
      slowest = Math.max(slowest, performance.now() - a);
      await new Promise((r) => setTimeout(r, 50));
    }
    puts.push(await put);
    stalls.push(slowest);
  }
  const f = (v: number[]) =>
    `${percentile(v, 50).toFixed(0)} ms (${Math.min(...v).toFixed(0)}-${Math.max(...v).toFixed(0)})`;
  return `| PUT of ${(body.length / 1e6).toFixed(1)} MB of submissions (2,000 students x 200 prompts), 5 rounds | ${f(puts)} | slowest /health/live meanwhile: ${f(stalls)} |`;
}

async function main(): Promise<void> {
  const redis = await startPrivateRedis(
    HOST,
    await freePort(),
    mkdtempSync(join(tmpdir(), 'bench-redis-')),
    false,
  );
  const procs: ChildProcess[] = [];
  try {
    console.log(
      `Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; ${ROUNDS} rounds of ${DURATION_S} s per load, 50 connections`,
    );
    // The per-client rate limit would answer most of one client's load with 429s.
    const withWorker = await startApi(redis.url, {
      EMBEDDED_WORKERS: 'true',
      RATE_LIMIT_PER_MINUTE: '0',
    });
    procs.push(withWorker.proc);
    console.log('\n| load | throughput, median round (range) | p50 | p99 |\n|---|---|---|---|');
    console.log(await statusReads(withWorker.base));
    const noWorker = await startApi(redis.url, {
      EMBEDDED_WORKERS: 'false',
      RATE_LIMIT_PER_MINUTE: '0',
      KEY_PREFIX: 'bench-triggers',
    });
    procs.push(noWorker.proc);
    console.log(await asyncTriggers(noWorker.base));
    noWorker.proc.kill('SIGTERM');
    console.log('\n| latency | median | p95 |\n|---|---|---|');
    for (const line of await lightLatency(withWorker.base)) console.log(line);
    console.log(await cancelLatency(withWorker.base));
    console.log('\n| upload | median (range) | others wait |\n|---|---|---|');
    console.log(await largeUpload(withWorker.base));
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await redis.stop();
  }
}

const compareAt = process.argv.indexOf('--compare');
const run = compareAt >= 0 ? () => compareWith(process.argv[compareAt + 1]) : main;

run().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
