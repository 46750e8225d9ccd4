import { existsSync, mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDeployment, startTestApp, TestApp, testConfig, waitForState } from '../support/app';
import { ServiceProcess, startServiceProcess, stopProcess } from '../support/processes';
import { freePort } from '../support/redis-server';

interface WorkerBody {
  pid: number;
  host: string;
  queues: string[];
  tasks: { task_id: string; deployment_id: string; behavior: string; since: string }[];
  started_at: string;
}

describe('GET /api/workers with worker processes', () => {
  let t: TestApp;
  let env: Record<string, string>;
  const workers: ServiceProcess[] = [];
  beforeAll(async () => {
    const config = testConfig({ EMBEDDED_WORKERS: 'false' });
    t = await startTestApp({}, config);
    env = { REDIS_URL: config.redisUrl, KEY_PREFIX: config.keyPrefix, WORKER_HEARTBEAT_MS: '300' };
  });
  afterAll(async () => {
    for (const w of workers) await stopProcess(w);
    await t.close();
  });

  const list = async () =>
    ((await t.http.get('/api/workers').expect(200)).body as { workers: WorkerBody[] }).workers;

  async function until<T>(what: string, probe: () => Promise<T | null>): Promise<T> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const value = await probe();
      if (value !== null) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('lists a running worker with its task, and drops it once it stops', async () => {
    // The API serves no queues: it has no record of its own.
    expect(await list()).toEqual([]);
    const readyFile = join(mkdtempSync(join(tmpdir(), 'worker-ready-')), 'ready');
    const probePort = await freePort();
    const worker = await startServiceProcess('worker', {
      ...env,
      WORKER_QUEUES: 'light-behaviors',
      WORKER_READY_FILE: readyFile,
      WORKER_METRICS_PORT: String(probePort),
    });
    const probe = (path: string) => fetch(`http://127.0.0.1:${probePort}${path}`);
    workers.push(worker);
    const seen = await until('the worker', async () => (await list())[0] ?? null);
    expect(seen).toMatchObject({ pid: worker.child.pid, queues: ['light-behaviors'], tasks: [] });
    await until('the ready file', () => Promise.resolve(existsSync(readyFile) ? true : null));

    const d = await createDeployment(t, {
      '1': { type: 'test_sleep', config: { duration_ms: 20_000 } },
    });
    const { body } = await t.http
      .post(`/api/page-deployments/${d}/behaviors/trigger`)
      .send({ behavior_number: '1', async_execution: true })
      .expect(202);
    await waitForState(t, d, body.task_id, 'PROGRESS', 40);
    const busy = await until('the running task', async () => {
      const w = (await list()).find((x) => x.pid === worker.child.pid);
      return w !== undefined && w.tasks.length > 0 ? w : null;
    });
    expect(busy.tasks).toEqual([
      expect.objectContaining({ task_id: body.task_id, deployment_id: d, behavior: 'test_sleep' }),
    ]);
    await t.http
      .post(`/api/page-deployments/${d}/behaviors/tasks/${body.task_id}/cancel`)
      .expect(200);

    // The worker has no API: its own port serves its probes and the series of what it ran.
    expect((await probe('/health/live')).status).toBe(200);
    const ready = await probe('/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ok',
      info: { redis: { status: 'up' }, workers: { status: 'up', queues: ['light-behaviors'] } },
    });
    const metrics = await (await probe('/metrics')).text();
    expect(metrics).toContain('behavior_tasks_total{behavior="test_sleep",state="cancelled"} 1\n');
    expect(metrics).toContain('behavior_task_queue_wait_seconds_count{behavior="test_sleep"} 1\n');
    expect(metrics).toContain('behavior_queue_jobs{queue="light-behaviors",state="waiting"} 0\n');

    // A clean stop removes the record (and the ready file) at once.
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await list()).toEqual([]);
    expect(existsSync(readyFile)).toBe(false);
  });

  it('drops a worker that dies without a word within three heartbeats', async () => {
    const worker = await startServiceProcess('worker', env);
    workers.push(worker);
    await until('the worker', async () => ((await list()).length === 1 ? true : null));
    worker.child.kill('SIGKILL');
    await worker.exited;
    const killedAt = Date.now();
    await until('the dead worker to drop out', async () =>
      (await list()).length === 0 ? true : null,
    );
    // Three 300 ms heartbeats, plus slack for a loaded machine; without the TTL it would stay.
    expect(Date.now() - killedAt).toBeLessThan(3 * 300 + 1500);
  });
});

interface LogLine {
  level: string;
  msg: string;
  reqId?: string;
  taskId?: string;
  deploymentId?: string;
  behavior?: string;
  event?: string;
}

/** An API process of its own on a free port, on the test Redis, with `env` added. */
async function startApiProcess(
  env: Record<string, string> = {},
): Promise<{ api: ServiceProcess; port: number }> {
  const config = testConfig();
  const port = await freePort();
  const api = await startServiceProcess('main', {
    REDIS_URL: config.redisUrl,
    KEY_PREFIX: config.keyPrefix,
    PORT: String(port),
    ...env,
  });
  return { api, port };
}

/** The process's log so far, one JSON object a line. */
function logLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as LogLine);
}

describe('Logs of an API process', () => {
  let api: ServiceProcess;
  let port: number;
  beforeAll(async () => {
    ({ api, port } = await startApiProcess({ LOG_LEVEL: 'debug' }));
  });
  afterAll(() => stopProcess(api));

  const call = (path: string, init: RequestInit = {}) =>
    fetch(`http://127.0.0.1:${port}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...init.headers },
    });

  it('writes one JSON object a line, with the request id on request lines and task fields on task lines', async () => {
    const created = await call('/api/page-deployments', {
      method: 'POST',
      headers: { 'x-request-id': 'req-create-1' },
      body: JSON.stringify({
        title: 'Logs',
        behaviors: { '1': { type: 'test_sleep', config: { duration_ms: 300 } } },
      }),
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toBe('req-create-1');
    const d = ((await created.json()) as { id: string }).id;
    const trigger = await call(`/api/page-deployments/${d}/behaviors/trigger`, {
      method: 'POST',
      headers: { 'x-request-id': 'req-trigger-1' },
      body: JSON.stringify({ behavior_number: '1', async_execution: true }),
    });
    const taskId = ((await trigger.json()) as { task_id: string }).task_id;
    for (let i = 0; i < 200; i++) {
      const status = (await (
        await call(`/api/page-deployments/${d}/behaviors/tasks/${taskId}`)
      ).json()) as { state: string };
      if (status.state === 'SUCCESS') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await call('/health/live');
    await new Promise((r) => setTimeout(r, 200));

    const out = api.output();
    expect(out).not.toContain('\u001b['); // no ANSI colour codes when stdout is not a terminal
    const lines = logLines(out);

    // The request line, with the id the caller sent.
    expect(lines).toContainEqual(
      expect.objectContaining({
        reqId: 'req-create-1',
        msg: expect.stringMatching(/^POST \/api\/page-deployments 201 \d+ ms$/),
      }),
    );
    // The task's lines, each with its ids and behavior, from queued to the end.
    const task = { taskId, deploymentId: d, behavior: 'test_sleep' };
    const events = lines.filter((l) => l.taskId === taskId).map((l) => l.event);
    for (const event of ['queued', 'started', 'stage', 'succeeded'])
      expect(lines).toContainEqual(expect.objectContaining({ ...task, event }));
    expect(events[0]).toBe('queued');
    expect(events.at(-1)).toBe('succeeded');
    // Queued inside the trigger request: that line carries the request id too.
    expect(lines).toContainEqual(
      expect.objectContaining({ ...task, event: 'queued', reqId: 'req-trigger-1' }),
    );
    // LOG_LEVEL=debug shows the steps within a stage and the probes.
    expect(lines).toContainEqual(
      expect.objectContaining({ ...task, event: 'progress', level: 'debug' }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'debug',
        msg: expect.stringMatching(/^GET \/health\/live 200/),
      }),
    );
  });
});

describe('A client that hangs up in the middle of its body', () => {
  it('leaves a warn line, and no error or 5xx line', async () => {
    const { api, port } = await startApiProcess({ EMBEDDED_WORKERS: 'false' });
    try {
      await new Promise<void>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(
            'POST /api/page-deployments HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
              'Content-Length: 100\r\n\r\n{"title": "half',
          );
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 100);
        });
        socket.on('error', reject);
      });
      // The service still answers, and its log says what happened.
      expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 200));
      const lines = logLines(api.output());
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          msg: expect.stringMatching(/^POST \/api\/page-deployments: the client closed/),
        }),
      );
      expect(lines.filter((l) => l.level === 'error')).toEqual([]);
      expect(lines.filter((l) => / 5\d\d /.test(l.msg))).toEqual([]);
    } finally {
      await stopProcess(api);
    }
  });
});

describe('Logs at the default level', () => {
  it('leave out what LOG_LEVEL=debug adds', async () => {
    const { api, port } = await startApiProcess({ LOG_LEVEL: 'info', EMBEDDED_WORKERS: 'false' });
    try {
      expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/api/page-deployments`)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 200));
      const lines = logLines(api.output());
      expect(lines.some((l) => l.msg.startsWith('GET /api/page-deployments 200'))).toBe(true);
      expect(lines.filter((l) => l.level === 'debug')).toEqual([]);
    } finally {
      await stopProcess(api);
    }
  });
});
