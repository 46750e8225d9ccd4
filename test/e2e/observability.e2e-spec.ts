import { Test } from 'supertest';
import {
  createDeployment,
  pollUntilDone,
  startTestApp,
  TestApp,
  testConfig,
  waitForState,
} from '../support/app';
import { AuthTestApp, startAuthTestApp } from '../support/auth';
import { LlmStub } from '../support/llm-stub';
import { startTestRedis, TestRedis } from '../support/redis-server';

/** The value of one series in Prometheus text, or null when the series is absent. */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

describe('Health', () => {
  let redis: TestRedis;
  let t: TestApp;
  let second: TestRedis | null = null;
  beforeAll(async () => {
    redis = await startTestRedis();
    t = await startTestApp({}, testConfig({ REDIS_URL: redis.url }));
  });
  afterAll(async () => {
    await t.close();
    await second?.stop();
    await redis.stop();
  });

  it('is live, and ready while Redis answers and the embedded workers run', async () => {
    const live = await t.raw.get('/health/live').expect(200);
    expect(live.body).toMatchObject({ status: 'ok', info: { process: { status: 'up' } } });
    const ready = await t.raw.get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({
      status: 'ok',
      info: {
        redis: { status: 'up' },
        workers: {
          status: 'up',
          queues: ['group-assignment', 'theme-creation', 'light-behaviors'],
        },
      },
    });
  });

  it('is not ready (503, naming Redis) while Redis is gone, still live, and ready again after', async () => {
    await redis.stop();
    const down = await t.raw.get('/health/ready').expect(503);
    expect(down.body).toMatchObject({ status: 'error', error: { redis: { status: 'down' } } });
    await t.raw.get('/health/live').expect(200);

    second = await startTestRedis({ port: redis.port });
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await t.raw.get('/health/ready')).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
  });
});

describe('Metrics after tasks ran', () => {
  const stub = new LlmStub();
  let t: TestApp;
  beforeAll(async () => {
    await stub.start();
    // An embeddings endpoint, so the runner threads have an embedding cache to hit and miss.
    t = await startTestApp({
      EMBEDDING_PROVIDER: 'openai',
      EMBEDDING_BASE_URL: stub.baseUrl,
      EMBEDDING_MODEL: 'stub-embed',
      // Short enough for a kill in the test, long enough for the group assignments on a busy machine.
      SOFT_TIME_LIMIT_MS: '2500',
      HARD_TIME_LIMIT_MS: '3000',
      CANCEL_GRACE_MS: '300',
    });
  });
  afterAll(async () => {
    await t.close();
    await stub.stop();
  });

  async function trigger(d: string, behavior: string): Promise<string> {
    const res = await t.http
      .post(`/api/page-deployments/${d}/behaviors/trigger`)
      .send({ behavior_number: behavior, async_execution: true })
      .expect(202);
    return (res.body as { task_id: string }).task_id;
  }

  it('counts tasks by behavior and state, run and wait times, cancels, time-limit kills, cache use, queue depth and HTTP requests', async () => {
    const d = await createDeployment(t, {
      '1': { type: 'group_assignment', config: { group_size: 2, include_explanations: false } },
      '2': { type: 'test_sleep', config: { duration_ms: 20_000 } },
      '3': { type: 'test_sleep', config: { duration_ms: 20_000, honour_signal: false } },
    });
    // The same answers twice: the first run misses the cache, the second finds every vector.
    for (let i = 0; i < 2; i++) {
      const id = await trigger(d, '1');
      expect((await pollUntilDone(t, d, id)).at(-1)!.state).toBe('SUCCESS');
    }
    const cancelled = await trigger(d, '2');
    await waitForState(t, d, cancelled, 'PROGRESS', 40);
    await t.http.post(`/api/page-deployments/${d}/behaviors/tasks/${cancelled}/cancel`).expect(200);
    // Ignores the soft limit, so the hard limit kills its thread.
    const killed = await trigger(d, '3');
    const last = (await pollUntilDone(t, d, killed)).at(-1)!;
    expect(last.error).toContain('Hard time limit');

    const text = (await t.http.get('/metrics').expect(200)).text;
    expect(
      sample(text, 'behavior_tasks_total{behavior="group_assignment",state="succeeded"}'),
    ).toBe(2);
    expect(sample(text, 'behavior_tasks_total{behavior="test_sleep",state="cancelled"}')).toBe(1);
    expect(sample(text, 'behavior_tasks_total{behavior="test_sleep",state="failed"}')).toBe(1);
    expect(sample(text, 'behavior_task_cancels_total{behavior="test_sleep"}')).toBe(1);
    expect(
      sample(text, 'behavior_task_time_limit_kills_total{behavior="test_sleep",limit="hard"}'),
    ).toBe(1);
    expect(
      sample(
        text,
        'behavior_task_run_seconds_count{behavior="group_assignment",state="succeeded"}',
      ),
    ).toBe(2);
    expect(sample(text, 'behavior_task_queue_wait_seconds_count{behavior="test_sleep"}')).toBe(2);
    const students = 8;
    expect(sample(text, 'behavior_embedding_cache_misses_total')).toBe(students);
    expect(sample(text, 'behavior_embedding_cache_hits_total')).toBe(students);
    expect(sample(text, 'behavior_queue_jobs{queue="group-assignment",state="waiting"}')).toBe(0);
    expect(sample(text, 'behavior_queue_jobs{queue="light-behaviors",state="active"}')).toBe(0);
    expect(
      sample(text, 'http_requests_total{method="POST",route="/api/page-deployments",status="201"}'),
    ).toBe(1);
    expect(
      sample(
        text,
        'http_requests_total{method="POST",route="/api/page-deployments/:deploymentId/behaviors/trigger",status="202"}',
      ),
    ).toBe(4);
    expect(text).toContain('process_cpu_seconds_total');
  });
});

describe('Who may see the workers', () => {
  let t: AuthTestApp;
  let admin: string;
  let instructor: string;
  let student: string;
  beforeAll(async () => {
    t = await startAuthTestApp();
    admin = await t.token({ sub: 'root', role: 'admin' });
    instructor = await t.token({ sub: 'ana', role: 'instructor' });
    student = await t.token({ sub: 's-1', role: 'student', name: 'ana@school.edu' });
  });
  afterAll(() => t.close());

  it('health is public; /metrics and /api/workers are for admins', async () => {
    await t.raw.get('/health/live').expect(200);
    await t.raw.get('/health/ready').expect(200);
    await t.raw.get('/metrics').expect(401);
    await t.as(instructor).get('/metrics').expect(403);
    const metrics = await t.as(admin).get('/metrics').expect(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    await t.raw.get('/api/workers').expect(401);
    await t.as(student).get('/api/workers').expect(403);
    await t.as(instructor).get('/api/workers').expect(403);
    const workers = await t.as(admin).get('/api/workers').expect(200);
    // This app's embedded workers are one of the live processes.
    expect((workers.body as { workers: { pid: number }[] }).workers).toEqual(
      expect.arrayContaining([expect.objectContaining({ pid: process.pid })]),
    );
  });

  it('the dashboard sends a browser without a session to sign in, and refuses non-admins', async () => {
    const page = await t.raw.get('/admin/queues').set('Accept', 'text/html').expect(303);
    expect(page.headers.location).toBe('/admin/login');
    await t.raw.get('/admin/queues/api/queues').expect(401);
    await t.as(instructor).get('/admin/queues/api/queues').expect(403);
    await t.as(student).get('/admin/queues').expect(403);
    await t.raw.get('/admin/queues/api/queues').set('Cookie', 'br_dashboard=forged').expect(401);
    // Only an admin token buys a session.
    await t.as(instructor).post('/admin/session').expect(403);
    await t.raw.post('/admin/session').set('Content-Type', 'application/json').expect(401);
  });

  it('an admin signs in once and the browser then sees the queues, read-only', async () => {
    const login = await t.raw.get('/admin/login').expect(200);
    expect(login.text).toContain('<script src="login.js"></script>');
    await t.raw
      .get('/admin/login.js')
      .expect(200)
      .expect('Content-Type', /javascript/);

    const session = await t.as(admin).post('/admin/session').expect(204);
    const setCookie = String(session.headers['set-cookie']);
    expect(setCookie).toMatch(/^br_dashboard=[A-Za-z0-9_-]{43}; Path=\/admin; Max-Age=900/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    const cookie = setCookie.split(';')[0];

    const browser = (req: Test) => req.set('Cookie', cookie);
    const html = await browser(t.raw.get('/admin/queues')).set('Accept', 'text/html').expect(200);
    expect(html.text).toContain('static/js/main');
    // helmet's policy is on the dashboard too, and it allows the page's own scripts.
    expect(html.headers['content-security-policy']).toContain("script-src 'self'");
    const api = await browser(t.raw.get('/admin/queues/api/queues')).expect(200);
    const names = (api.body as { queues: { name: string; readOnlyMode: boolean }[] }).queues;
    expect(names.map((q) => q.name).sort()).toEqual([
      'group-assignment',
      'light-behaviors',
      'theme-creation',
    ]);
    expect(names.every((q) => q.readOnlyMode)).toBe(true);
    // Read-only: a write is refused before it reaches the board, even from an admin.
    await browser(t.raw.put('/admin/queues/api/queues/group-assignment/pause'))
      .set('Content-Type', 'application/json')
      .expect(403);
  });
});

describe('A writable dashboard', () => {
  let t: AuthTestApp;
  beforeAll(async () => {
    t = await startAuthTestApp({ QUEUE_DASHBOARD_WRITABLE: 'true' });
  });
  afterAll(() => t.close());

  it('lets an admin pause a queue, but not with a request another site could send', async () => {
    const admin = await t.token({ sub: 'root', role: 'admin' });
    const session = await t.as(admin).post('/admin/session').expect(204);
    const cookie = String(session.headers['set-cookie']).split(';')[0];
    const pause = '/admin/queues/api/queues/light-behaviors/pause';
    // A cross-site form could send the cookie-less equivalent of this; SameSite keeps the
    // cookie home, and without JSON or a bearer header it is refused anyway.
    await t.raw.put(pause).set('Cookie', cookie).expect(415);
    await t.raw
      .put(pause)
      .set('Cookie', cookie)
      .set('Content-Type', 'application/json')
      .expect(200);
    const queues = await t.raw.get('/admin/queues/api/queues').set('Cookie', cookie).expect(200);
    const light = (queues.body as { queues: { name: string; isPaused: boolean }[] }).queues.find(
      (q) => q.name === 'light-behaviors',
    );
    expect(light?.isPaused).toBe(true);
  });
});
