import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { createDeployment, pollUntilDone, startTestApp, TestApp } from '../support/app';
import { startServiceProcess, stopProcess } from '../support/processes';
import { freePort, startTestRedis, TestRedis } from '../support/redis-server';

/** A Redis that wants a password, reached as redis://:password@host:port/2. */
describe('The service on a password-protected Redis, database 2', () => {
  const password = `p@ss/${randomBytes(8).toString('hex')}`;
  let redis: TestRedis;
  let t: TestApp;
  let db2: Redis;
  let db0: Redis;

  beforeAll(async () => {
    redis = await startTestRedis({ requirepass: password });
    const url = `redis://:${encodeURIComponent(password)}@127.0.0.1:${redis.port}/2`;
    t = await startTestApp({ REDIS_URL: url });
    expect(t.config.redisUrl).toBe(url);
    db2 = new Redis({ port: redis.port, password, db: 2 });
    db0 = new Redis({ port: redis.port, password, db: 0 });
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([db2?.quit(), db0?.quit()]);
    await redis?.stop();
  });

  it('creates and reads a deployment, stored in db 2 only', async () => {
    const id = await createDeployment(t, { '1': { type: 'group_assignment' } });
    const res = await t.http.get(`/api/page-deployments/${id}`).expect(200);
    expect(res.body.id).toBe(id);

    const prefix = t.config.keyPrefix;
    expect(await db2.exists(`${prefix}:dep:${id}`)).toBe(1);
    expect(await db2.keys(`${prefix}:*`)).not.toHaveLength(0);
    expect(await db0.keys(`${prefix}:*`)).toEqual([]);
  });

  it('runs a behavior through the queue on the same Redis and db', async () => {
    const id = await createDeployment(t, { '1': { type: 'group_assignment' } });
    const { body } = await t.http
      .post(`/api/page-deployments/${id}/behaviors/trigger`)
      .send({ behavior_number: '1' })
      .expect(202);
    const last = (await pollUntilDone(t, id, body.task_id)).at(-1)!;
    expect(last.state).toBe('SUCCESS');
    expect(await db2.keys(`${t.config.keyPrefix}:bull:*`)).not.toHaveLength(0);
    expect(await db0.keys(`${t.config.keyPrefix}:*`)).toEqual([]);
  });
});

describe('A wrong Redis password at start', () => {
  const password = `right-${randomBytes(6).toString('hex')}`;
  const wrong = `wrong-${randomBytes(6).toString('hex')}`;
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis({ requirepass: password });
  });
  afterAll(async () => {
    await redis?.stop();
  });
  jest.setTimeout(180_000);

  it('ends the start with one line that names the problem, not the password (exit 1)', async () => {
    const port = await freePort();
    const url = `redis://:${wrong}@127.0.0.1:${redis.port}`;
    const api = startServiceProcess('main', { REDIS_URL: url, PORT: String(port) });
    await expect(api).rejects.toThrow(/refused the credentials in REDIS_URL/);
    const out = await api.catch((err: Error) => err.message);
    expect(out).not.toContain(wrong);
    expect(out).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('with REDIS_AUTH_FAILURE=retry, logs that line, listens and answers 503', async () => {
    const port = await freePort();
    const url = `redis://:${wrong}@127.0.0.1:${redis.port}`;
    const api = await startServiceProcess('main', {
      REDIS_URL: url,
      PORT: String(port),
      REDIS_AUTH_FAILURE: 'retry',
      EMBEDDED_WORKERS: 'false',
    });
    try {
      expect(api.output()).toMatch(/refused the credentials in REDIS_URL.*retrying/);
      expect(api.output()).not.toContain(wrong);
      const res = await fetch(`http://127.0.0.1:${port}/api/page-deployments`);
      expect(res.status).toBe(503);
    } finally {
      await stopProcess(api);
    }
  });
});
