import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createDeployment,
  pollUntilDone,
  startTestApp,
  TestApp,
  testConfig,
  waitForState,
} from '../support/app';
import { startTestRedis, TestRedis } from '../support/redis-server';
describe('When Redis goes away', () => {
  let redis: TestRedis;
  let t: TestApp;
  let second: TestRedis | null = null;
  beforeAll(async () => {
    redis = await startTestRedis();
    t = await startTestApp({}, testConfig({ REDIS_URL: redis.url, EMBEDDED_WORKERS: 'false' }));
  });
  afterAll(async () => {
    await t.close();
    await second?.stop();
    await redis.stop();
  });

  it('answers 503 with a clear message, then recovers by itself when Redis is back', async () => {
    const d = await createDeployment(t, { '1': { type: 'random_grouping' } });
    await redis.stop();
    const down = await t.http.get(`/api/page-deployments/${d}`).expect(503);
    expect(down.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    expect(down.body.message).toContain('Redis');
    await t.http
      .post(`/api/page-deployments/${d}/behaviors/trigger`)
      .send({ behavior_number: '1' })
      .expect(503);

    second = await startTestRedis({ port: redis.port }); // the same port, as a restarted Redis
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await t.http.get('/api/page-deployments')).status;
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
  });
});

describe('When Redis goes away while a behavior finishes', () => {
  let redis: TestRedis & { dir: string };
  let t: TestApp;
  let second: TestRedis | null = null;
  beforeAll(async () => {
    redis = await startTestRedis({
      persistDir: mkdtempSync(join(tmpdir(), 'behavior-runner-aof-')),
    });
    t = await startTestApp({}, testConfig({ REDIS_URL: redis.url }));
  });
  afterAll(async () => {
    await t.close();
    await second?.stop();
    await redis.stop();
  });

  it('records the end once Redis is back, instead of leaving the task in PROGRESS', async () => {
    const d = await createDeployment(t, {
      '1': { type: 'test_sleep', config: { duration_ms: 1500 } },
    });
    const { body } = await t.http
      .post(`/api/page-deployments/${d}/behaviors/trigger`)
      .send({ behavior_number: '1' })
      .expect(202);
    await waitForState(t, d, body.task_id, 'PROGRESS', 40);
    await redis.stop(); // the behavior finishes while Redis is down
    await new Promise((r) => setTimeout(r, 2500));
    second = await startTestRedis({ port: redis.port, persistDir: redis.dir });
    // Until the API's client has reconnected its answer is 503, as it should be; wait it out.
    const deadline = Date.now() + 15_000;
    while (
      (await t.http.get(`/api/page-deployments/${d}`)).status !== 200 &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const last = (await pollUntilDone(t, d, body.task_id, 20_000, 100)).at(-1)!;
    expect(last.state).toBe('SUCCESS');
    await t.http
      .get(`/api/page-deployments/${d}/behaviors/history`)
      .expect(200)
      .expect((r) => {
        expect(r.body.executions[0]).toMatchObject({ task_id: body.task_id, success: true });
      });
  });
});
