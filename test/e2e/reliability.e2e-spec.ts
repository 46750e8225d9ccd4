import { Queue } from 'bullmq';
import { RedisKeys } from '../../src/redis/redis-keys';
import { freePort, startTestRedis, TestRedis } from '../support/redis-server';
import {
  createDeployment,
  pollUntilDone,
  startTestApp,
  StatusBody,
  TestApp,
  testConfig,
} from '../support/app';
import { ServiceProcess, startServiceProcess, stopProcess } from '../support/processes';

// Crashes and restarts with real processes: each scenario starts its own redis-server, observes
// through an in-process API without workers, and runs behaviors in worker or API processes
// started from the current source. docs/reliability.md lists these scenarios.
jest.setTimeout(240_000);

const SLEEP = (ms: number) => ({ type: 'test_sleep', config: { duration_ms: ms } });

async function status(t: TestApp, d: string, task: string): Promise<StatusBody> {
  return (await t.http.get(`/api/page-deployments/${d}/behaviors/tasks/${task}`).expect(200))
    .body as StatusBody;
}

/** Polls until `check` accepts a status; returns every status seen on the way. */
async function until(
  t: TestApp,
  d: string,
  task: string,
  check: (s: StatusBody) => boolean,
  timeoutMs = 60_000,
): Promise<StatusBody[]> {
  const seen: StatusBody[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await status(t, d, task);
    seen.push(s);
    if (check(s)) return seen;
    if (Date.now() > deadline)
      throw new Error(`Task ${task}: condition not met; last status ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Workers that stop or die mid-run', () => {
  let redis: TestRedis;
  let t: TestApp;
  let env: Record<string, string>;
  const workers: ServiceProcess[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    const config = testConfig({ REDIS_URL: redis.url, EMBEDDED_WORKERS: 'false' });
    t = await startTestApp({}, config);
    env = {
      REDIS_URL: redis.url,
      KEY_PREFIX: config.keyPrefix,
      STALLED_INTERVAL_MS: '1000',
      TASK_LEASE_MS: '2000',
      WORKER_SHUTDOWN_GRACE_MS: '300',
      CANCEL_GRACE_MS: '2000',
    };
  });
  // Each scenario starts its own workers; none may linger into the next one.
  afterEach(async () => {
    for (const w of workers.splice(0)) await stopProcess(w);
  });
  afterAll(async () => {
    await t.close();
    await redis.stop();
  });

  const worker = async (extra: Record<string, string> = {}) => {
    const w = await startServiceProcess('worker', { ...env, ...extra });
    workers.push(w);
    return w;
  };

  /** The worker whose log says it started this attempt of the task. */
  async function holderOf(pool: ServiceProcess[], taskId: string, attempt: number) {
    const line = `Task ${taskId} started`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const holder = pool.find((w) =>
        w
          .output()
          .split('\n')
          .some((l) => l.includes(line) && l.includes(`attempt ${attempt},`)),
      );
      if (holder !== undefined) return holder;
      if (Date.now() > deadline) throw new Error(`no worker started attempt ${attempt}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('survives two rolling SIGTERMs during one long task, ending in SUCCESS', async () => {
    const pool = [await worker(), await worker(), await worker()];
    const d = await createDeployment(t, { '1': SLEEP(6000) });
    const { body } = await t.http
      .post(`/api/page-deployments/${d}/behaviors/trigger`)
      .send({ behavior_number: '1' })
      .expect(202);
    const taskId = body.task_id as string;

    const first = await holderOf(pool, taskId, 1);
    await until(t, d, taskId, (s) => s.state === 'PROGRESS' && s.progress >= 40);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    // Handed back at once (no lock expiry, not counted as lost) and run again elsewhere.
    const second = await holderOf(pool, taskId, 2);
    const seen = await until(t, d, taskId, (s) => s.attempt === 2 && s.progress >= 40);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    await holderOf(pool, taskId, 3);

    seen.push(...(await pollUntilDone(t, d, taskId, 60_000, 50)));
    expect(seen.at(-1)).toMatchObject({ state: 'SUCCESS', attempt: 3 });
    // Handed back, not lost: BullMQ counted no stall for the job.
    const queue = new Queue('light-behaviors', {
      connection: { host: '127.0.0.1', port: redis.port },
      prefix: new RedisKeys(env.KEY_PREFIX).bullPrefix(),
    });
    const job = await queue.getJob(taskId);
    await queue.close();
    expect(job?.stalledCounter).toBe(0);
    const history = await t.http.get(`/api/page-deployments/${d}/behaviors/history`).expect(200);
    expect(history.body.executions).toHaveLength(1); // ended once, as a success
    expect(history.body.executions[0]).toMatchObject({ task_id: taskId, success: true });
  });

  it('re-runs on another worker the task of a worker killed with SIGKILL', async () => {
    const a = await worker();
    const d = await createDeployment(t, { '1': SLEEP(2000) });
    const { body } = await t.http
      .post(`/api/page-deployments/${d}/behaviors/trigger`)
      .send({ behavior_number: '1' })
      .expect(202);
    await until(t, d, body.task_id, (s) => s.state === 'PROGRESS' && s.progress >= 40);
    a.child.kill('SIGKILL');
    await a.exited;
    await worker(); // another worker, which finds the lost job and runs it again
    const seen = await pollUntilDone(t, d, body.task_id, 90_000, 50);
    expect(seen.at(-1)!.state).toBe('SUCCESS');
    expect(seen.at(-1)!.attempt).toBe(2);
  });

  it('ends FAILURE, saying why, once more workers were lost than MAX_LOST_WORKERS allows', async () => {
    const a = await worker({ MAX_LOST_WORKERS: '0' });
    const d = await createDeployment(t, { '1': SLEEP(20_000) });
    const { body } = await t.http
      .post(`/api/page-deployments/${d}/behaviors/trigger`)
      .send({ behavior_number: '1' })
      .expect(202);
    await until(t, d, body.task_id, (s) => s.state === 'PROGRESS' && s.progress >= 40);
    a.child.kill('SIGKILL');
    await a.exited;
    await worker({ MAX_LOST_WORKERS: '0' });
    const last = (await pollUntilDone(t, d, body.task_id, 90_000, 100)).at(-1)!;
    expect(last.state).toBe('FAILURE');
    expect(last.error).toContain('lost 1 times');
  });
});

describe('An API process that stops during a synchronous run', () => {
  let redis: TestRedis;
  let t: TestApp;
  let env: Record<string, string>;

  beforeAll(async () => {
    redis = await startTestRedis();
    const config = testConfig({ REDIS_URL: redis.url, EMBEDDED_WORKERS: 'false' });
    t = await startTestApp({}, config);
    env = {
      REDIS_URL: redis.url,
      KEY_PREFIX: config.keyPrefix,
      EMBEDDED_WORKERS: 'false',
      TASK_LEASE_MS: '2000',
      SHUTDOWN_GRACE_MS: '300',
    };
  });
  afterAll(async () => {
    await t.close();
    await redis.stop();
  });

  async function syncRunOn(api: ServiceProcess, port: number, d: string) {
    const answer = fetch(`http://127.0.0.1:${port}/api/page-deployments/${d}/behaviors/trigger`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ behavior_number: '1', async_execution: false }),
    }).then(
      async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }),
      () => null,
    );
    // The API process logs each task it starts, with its id.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const running = api.output().match(/Task ([0-9a-f-]{36}) started/);
      if (running) return { answer, taskId: running[1] };
      if (Date.now() > deadline) throw new Error('no sync task started');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('killed with SIGKILL: the task reads FAILURE within the lease and the behavior is free again', async () => {
    const port = await freePort();
    const api = await startServiceProcess('main', { ...env, PORT: String(port), LOG_LEVEL: 'log' });
    const d = await createDeployment(t, { '1': SLEEP(30_000) });
    const { taskId } = await syncRunOn(api, port, d);
    await until(t, d, taskId, (s) => s.state === 'PROGRESS' && s.progress >= 40);
    api.child.kill('SIGKILL');
    await api.exited;
    const killedAt = Date.now();
    const seen = await until(t, d, taskId, (s) => s.state === 'FAILURE', 15_000);
    expect(Date.now() - killedAt).toBeLessThan(10_000); // the lease is 2 s
    expect(seen.at(-1)!.error).toMatch(/process running it stopped/);
    // The lock is freed (by the next sweep of any live process): a new run is accepted.
    const deadline = Date.now() + 10_000;
    let answer = 0;
    while (Date.now() < deadline) {
      answer = (
        await t.http
          .post(`/api/page-deployments/${d}/behaviors/trigger`)
          .send({ behavior_number: '1', async_execution: true })
      ).status;
      if (answer === 202) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(answer).toBe(202);
    const history = await t.http.get(`/api/page-deployments/${d}/behaviors/history`).expect(200);
    expect(history.body.executions[0]).toMatchObject({ task_id: taskId, success: false });
  });

  it('stopped with SIGTERM: it answers the run 503 and exits within its bound', async () => {
    const port = await freePort();
    const api = await startServiceProcess('main', { ...env, PORT: String(port), LOG_LEVEL: 'log' });
    const d = await createDeployment(t, { '1': SLEEP(30_000) });
    const { answer, taskId } = await syncRunOn(api, port, d);
    await until(t, d, taskId, (s) => s.state === 'PROGRESS' && s.progress >= 40);
    const stoppedAt = Date.now();
    api.child.kill('SIGTERM');
    const reply = await answer;
    await api.exited;
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);
    expect(reply).toMatchObject({ status: 503, body: { statusCode: 503, success: false } });
    const last = await status(t, d, taskId);
    expect(last).toMatchObject({ state: 'FAILURE', stage: 'failed' });
    expect(last.error).toMatch(/shutting down/);
  });
});

describe('Redis unreachable when the service starts', () => {
  let redis: TestRedis | undefined;
  const procs: ServiceProcess[] = [];
  afterAll(async () => {
    for (const p of procs) await stopProcess(p);
    await redis?.stop();
  });

  it('the API listens and answers 503; the worker waits; both carry on once Redis comes', async () => {
    const redisPort = await freePort();
    const apiPort = await freePort();
    const env = {
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      KEY_PREFIX: `t-start-${redisPort}`,
    };
    const api = await startServiceProcess('main', {
      ...env,
      PORT: String(apiPort),
      EMBEDDED_WORKERS: 'false',
    });
    procs.push(api);
    procs.push(await startServiceProcess('worker', env));
    const base = `http://127.0.0.1:${apiPort}/api/page-deployments`;
    const down = await fetch(base);
    expect(down.status).toBe(503);
    expect(((await down.json()) as { message: string }).message).toMatch(/Redis/);

    redis = await startTestRedis({ port: redisPort });
    const json = { 'content-type': 'application/json' };
    let created: Response | null = null;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      created = await fetch(base, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ title: 'After the outage', behaviors: { '1': SLEEP(50) } }),
      });
      if (created.status === 201) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(created?.status).toBe(201);
    const id = ((await created!.json()) as { id: string }).id;
    const trigger = await fetch(`${base}/${id}/behaviors/trigger`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ behavior_number: '1' }),
    });
    expect(trigger.status).toBe(202);
    const taskId = ((await trigger.json()) as { task_id: string }).task_id;
    let last: { state: string } = { state: '' };
    const until = Date.now() + 60_000;
    while (Date.now() < until && last.state !== 'SUCCESS' && last.state !== 'FAILURE') {
      const s = await fetch(`${base}/${id}/behaviors/tasks/${taskId}`);
      last = (await s.json()) as { state: string };
      await new Promise((r) => setTimeout(r, 100));
    }
    // A failure here says why: the last status and what the worker wrote.
    if (last.state !== 'SUCCESS')
      console.error(`Last status: ${JSON.stringify(last)}\nWorker:\n${procs[1].output()}`);
    expect(last.state).toBe('SUCCESS'); // the worker that started without Redis ran it
  });
});

describe('A burst of triggers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ LIGHT_BEHAVIORS_CONCURRENCY: '2', RATE_LIMIT_PER_MINUTE: '0' });
  });
  afterAll(async () => t.close());

  it('1,000 triggers from 100 concurrent clients: every accepted task ends once', async () => {
    const behaviors: Record<string, { type: string; config: Record<string, unknown> }> = {};
    for (let b = 1; b <= 10; b++) behaviors[String(b)] = { type: 'random_grouping', config: {} };
    const deployments: string[] = [];
    for (let i = 0; i < 100; i++) deployments.push(await createDeployment(t, behaviors));
    const jobs = deployments.flatMap((d) => Object.keys(behaviors).map((b) => ({ d, b })));

    const accepted: { d: string; taskId: string }[] = [];
    let next = 0;
    const client = async () => {
      while (next < jobs.length) {
        const { d, b } = jobs[next++];
        const res = await t.http
          .post(`/api/page-deployments/${d}/behaviors/trigger`)
          .send({ behavior_number: b, async_execution: true });
        expect(res.status).toBe(202);
        accepted.push({ d, taskId: res.body.task_id as string });
      }
    };
    await Promise.all(Array.from({ length: 100 }, client));
    expect(accepted).toHaveLength(1000);
    expect(new Set(accepted.map((a) => a.taskId)).size).toBe(1000);

    // Every task ends, once: each deployment's history holds its ten tasks, each one time.
    const deadline = Date.now() + 180_000;
    let ended = 0;
    while (Date.now() < deadline) {
      ended = 0;
      for (const d of deployments) {
        const h = await t.http.get(`/api/page-deployments/${d}/behaviors/history`).expect(200);
        ended += (h.body.executions as unknown[]).length;
      }
      if (ended >= 1000) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(ended).toBe(1000);
    const seen = new Map<string, number>();
    for (const d of deployments) {
      const h = await t.http.get(`/api/page-deployments/${d}/behaviors/history`).expect(200);
      for (const e of h.body.executions as { task_id: string; success: boolean }[]) {
        seen.set(e.task_id, (seen.get(e.task_id) ?? 0) + 1);
        expect(e.success).toBe(true);
      }
    }
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(seen.keys())).toEqual(new Set(accepted.map((a) => a.taskId)));
    for (const { d, taskId } of accepted.slice(0, 50)) {
      const s = await status(t, d, taskId);
      expect(s.state).toBe('SUCCESS');
    }
  });
});
