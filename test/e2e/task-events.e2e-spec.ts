import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { RedisKeys } from '../../src/redis/redis-keys';
import {
  createDeployment,
  pollUntilDone,
  startTestApp,
  StatusBody,
  TestApp,
  testConfig,
  waitForState,
} from '../support/app';
import { AuthTestApp, startAuthTestApp } from '../support/auth';
import { startServiceProcess, ServiceProcess, stopProcess } from '../support/processes';
import { listenOnLoopback, readSse, SseResult } from '../support/sse';

const base = (d: string) => `/api/page-deployments/${d}/behaviors`;
const statuses = (r: SseResult): StatusBody[] =>
  r.events.map((e) => JSON.parse(e.data) as StatusBody);

const SLEEPERS = {
  '1': { type: 'test_sleep', config: { duration_ms: 1_500 } },
  '2': { type: 'test_sleep', config: { duration_ms: 20_000 } },
};

/** What every finished stream shows: ordered events, progress never down, one terminal last. */
function expectWellFormed(r: SseResult): StatusBody[] {
  expect(r.status).toBe(200);
  expect(r.contentType).toContain('text/event-stream');
  expect(r.ended).toBe(true);
  const seen = statuses(r);
  expect(seen.length).toBeGreaterThan(0);
  const terminal = seen.filter((s) => s.state === 'SUCCESS' || s.state === 'FAILURE');
  expect(terminal).toHaveLength(1);
  expect(seen.at(-1)).toBe(terminal[0]);
  const progress = seen.map((s) => s.progress);
  expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  return seen;
}

describe('Live task status (Server-Sent Events, real Redis, embedded worker)', () => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await startTestApp({ SSE_HEARTBEAT_MS: '300', CANCEL_GRACE_MS: '500' });
    url = await listenOnLoopback(t.app);
  });
  afterAll(async () => t.close());

  it('sends the polling body at each change, then the terminal one, then closes', async () => {
    const d = await createDeployment(t, SLEEPERS);
    const { body } = await t.http
      .post(`${base(d)}/trigger`)
      .send({ behavior_number: '1' })
      .expect(202);
    const r = await readSse(`${url}${base(d)}/tasks/${body.task_id}/events`);
    const seen = expectWellFormed(r);
    const running = seen.filter((s) => s.state === 'PROGRESS');
    // start (10), the runner's stages and the sleeper's steps of 5: several distinct figures.
    expect(new Set(running.map((s) => s.progress)).size).toBeGreaterThanOrEqual(4);
    expect(seen.at(-1)).toMatchObject({ state: 'SUCCESS', progress: 100, stage: 'completed' });
    // The terminal event is the status route's answer, field for field.
    const polled = (await t.http.get(`${base(d)}/tasks/${body.task_id}`).expect(200)).body;
    expect(seen.at(-1)).toEqual(polled);
    // Nothing is sent twice: each event differs from the one before.
    for (let i = 1; i < seen.length; i++) expect(seen[i]).not.toEqual(seen[i - 1]);
    // A 1.5 s run with a 300 ms heartbeat: comments came between the events.
    expect(r.comments.filter((c) => c === 'heartbeat').length).toBeGreaterThanOrEqual(2);
  });

  it('ends with the cancelled FAILURE when the task is cancelled while followed', async () => {
    const d = await createDeployment(t, SLEEPERS);
    const { body } = await t.http
      .post(`${base(d)}/trigger`)
      .send({ behavior_number: '2' })
      .expect(202);
    const stream = readSse(`${url}${base(d)}/tasks/${body.task_id}/events`);
    await waitForState(t, d, body.task_id, 'PROGRESS', 40);
    await t.http.post(`${base(d)}/tasks/${body.task_id}/cancel`).expect(200);
    const seen = expectWellFormed(await stream);
    expect(seen.at(-1)).toMatchObject({ state: 'FAILURE', stage: 'cancelled' });
    expect(seen.some((s) => s.state === 'PROGRESS')).toBe(true);
  });

  it('answers a finished task with its one terminal event and closes at once', async () => {
    const d = await createDeployment(t, SLEEPERS);
    const { body } = await t.http
      .post(`${base(d)}/trigger`)
      .send({ behavior_number: '1' })
      .expect(202);
    await pollUntilDone(t, d, body.task_id);
    const started = Date.now();
    const r = await readSse(`${url}${base(d)}/tasks/${body.task_id}/events`, {}, 5_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    const seen = expectWellFormed(r);
    expect(seen).toHaveLength(1);
    expect(seen[0].state).toBe('SUCCESS');
  });

  it('answers 404 with the JSON error body, as the status route does, for unknown and foreign tasks', async () => {
    const d = await createDeployment(t, SLEEPERS);
    const other = await createDeployment(t, SLEEPERS);
    const { body } = await t.http
      .post(`${base(d)}/trigger`)
      .send({ behavior_number: '1' })
      .expect(202);
    for (const path of [
      `${base(d)}/tasks/${randomUUID()}/events`,
      `${base(other)}/tasks/${body.task_id}/events`,
      `${base(d)}/tasks/not-a-uuid/events`,
    ]) {
      const r = await readSse(`${url}${path}`, {}, 5_000);
      expect(r.status).toBe(404);
      expect(r.contentType).toContain('application/json');
      expect(JSON.parse(r.body)).toMatchObject({ statusCode: 404 });
    }
    await pollUntilDone(t, d, body.task_id);
  });
});

describe('Live task status with access control on', () => {
  let t: AuthTestApp;
  let url: string;
  beforeAll(async () => {
    t = await startAuthTestApp();
    url = await listenOnLoopback(t.app);
  });
  afterAll(async () => t.close());

  it('applies the status route rules: 401 without a token, 404 to a non-owner, a stream to the owner', async () => {
    const owner = await t.token({ sub: 'teacher-1', role: 'instructor' });
    const stranger = await t.token({ sub: 'teacher-2', role: 'instructor' });
    const created = await t
      .as(owner)
      .post('/api/page-deployments')
      .send({ title: 'Mine', behaviors: SLEEPERS })
      .expect(201);
    const d = (created.body as { id: string }).id;
    const { body } = await t
      .as(owner)
      .post(`${base(d)}/trigger`)
      .send({ behavior_number: '1' })
      .expect(202);
    const path = `${url}${base(d)}/tasks/${body.task_id}/events`;
    expect((await readSse(path, {}, 5_000)).status).toBe(401);
    expect((await readSse(path, { Authorization: `Bearer ${stranger}` }, 5_000)).status).toBe(404);
    const r = await readSse(path, { Authorization: `Bearer ${owner}` });
    expect(expectWellFormed(r).at(-1)?.state).toBe('SUCCESS');
  });
});

describe('Live task status across processes: a worker elsewhere, two API instances', () => {
  let api1: TestApp;
  let api2: TestApp;
  let urls: [string, string];
  let redis: Redis;
  let worker: ServiceProcess | undefined;
  beforeAll(async () => {
    const config = testConfig({ EMBEDDED_WORKERS: 'false' });
    api1 = await startTestApp({}, config);
    api2 = await startTestApp({}, config);
    urls = [await listenOnLoopback(api1.app), await listenOnLoopback(api2.app)];
    redis = new Redis(config.redisUrl);
    worker = await startServiceProcess('worker', {
      REDIS_URL: config.redisUrl,
      KEY_PREFIX: config.keyPrefix,
    });
  });
  afterAll(async () => {
    await stopProcess(worker);
    redis?.disconnect();
    await api1?.close();
    await api2?.close();
  });

  const subscribers = async (taskId: string): Promise<number> => {
    const channel = new RedisKeys(api1.config.keyPrefix).taskEvents(taskId);
    const [, count] = (await redis.pubsub('NUMSUB', channel)) as [string, number];
    return count;
  };

  it('streams what the worker process writes to followers on either API, one subscription per API', async () => {
    const d = await createDeployment(api1, SLEEPERS);
    const { body } = await api1.http
      .post(`${base(d)}/trigger`)
      .send({ behavior_number: '1' })
      .expect(202);
    const path = `${base(d)}/tasks/${body.task_id}/events`;
    let firstEvents = 0;
    let allFollowing: () => void = () => undefined;
    const following = new Promise<void>((resolve) => (allFollowing = resolve));
    const onEvent = () => {
      if (++firstEvents === 3) allFollowing();
    };
    // Two followers on the first API, one on the second: each counts once (its first event).
    const streams = [urls[0], urls[0], urls[1]].map((u) => {
      let counted = false;
      return readSse(`${u}${path}`, {}, 20_000, () => {
        if (!counted) onEvent();
        counted = true;
      });
    });
    await following;
    // One subscriber connection per process, one subscription per task it follows.
    expect(await subscribers(body.task_id)).toBe(2);
    for (const r of await Promise.all(streams)) {
      const seen = expectWellFormed(r);
      expect(
        new Set(seen.filter((s) => s.state === 'PROGRESS').map((s) => s.progress)).size,
      ).toBeGreaterThanOrEqual(3);
      expect(seen.at(-1)?.state).toBe('SUCCESS');
    }
    // Once the streams are over, nobody listens to the task's channel any more.
    const deadline = Date.now() + 2_000;
    while ((await subscribers(body.task_id)) > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(await subscribers(body.task_id)).toBe(0);
  });

  it('lets go of the subscription when a follower hangs up early', async () => {
    const d = await createDeployment(api1, SLEEPERS);
    const { body } = await api1.http
      .post(`${base(d)}/trigger`)
      .send({ behavior_number: '2' })
      .expect(202);
    // Read for a moment, then hang up (the reader's timeout aborts the request).
    const r = await readSse(`${urls[1]}${base(d)}/tasks/${body.task_id}/events`, {}, 800);
    expect(r.ended).toBe(false);
    expect(r.events.length).toBeGreaterThan(0);
    const deadline = Date.now() + 2_000;
    while ((await subscribers(body.task_id)) > 0 && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 50));
    expect(await subscribers(body.task_id)).toBe(0);
    await api1.http.post(`${base(d)}/tasks/${body.task_id}/cancel`).expect(200);
  });
});

describe('Live task status when the API shuts down', () => {
  it('ends the open streams, so the server can close, while their tasks wait on', async () => {
    // No worker anywhere: the task stays queued and its stream would stay open for good.
    const t = await startTestApp({ EMBEDDED_WORKERS: 'false' });
    const url = await listenOnLoopback(t.app);
    const d = await createDeployment(t, SLEEPERS);
    const { body } = await t.http
      .post(`${base(d)}/trigger`)
      .send({ behavior_number: '1' })
      .expect(202);
    let first: () => void = () => undefined;
    const firstEvent = new Promise<void>((resolve) => (first = resolve));
    const stream = readSse(`${url}${base(d)}/tasks/${body.task_id}/events`, {}, 20_000, () =>
      first(),
    );
    await firstEvent;
    const started = Date.now();
    await t.close();
    // Well under the 2 s shutdown waits at most for the streams to be flushed.
    expect(Date.now() - started).toBeLessThan(1_500);
    const r = await stream;
    expect(r.ended).toBe(true);
    expect(statuses(r).map((s) => s.state)).toEqual(['PENDING']);
  });
});
