import { createDeployment, startTestApp, TestApp, testConfig } from '../support/app';
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

    second = await startTestRedis(redis.port); // the same port, as a restarted Redis
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
