import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  createDeployment,
  pollUntilDone,
  startTestApp,
  TEST_BEHAVIOR_MODULE,
  TestApp,
  testConfig,
  waitForState,
} from '../support/app';

/** Starts `src/worker.ts` (the current source) against the same Redis and key prefix as the API. */
function startWorkerProcess(env: Record<string, string>): Promise<ChildProcess> {
  const entry = join(__dirname, '../../src/worker.ts');
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', entry], {
    env: { ...process.env, ...env, LOG_LEVEL: 'log' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`worker did not start: ${out}`)), 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Worker started')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${out}`)));
  });
}

describe('A worker in its own process, the API without workers', () => {
  let t: TestApp;
  let worker: ChildProcess;
  beforeAll(async () => {
    const config = testConfig({ EMBEDDED_WORKERS: 'false', CANCEL_GRACE_MS: '500' });
    t = await startTestApp({}, config);
    worker = await startWorkerProcess({
      REDIS_URL: config.redisUrl,
      KEY_PREFIX: config.keyPrefix,
      BEHAVIOR_MODULES: TEST_BEHAVIOR_MODULE,
      EMBEDDING_PROVIDER: 'lexical',
      CANCEL_GRACE_MS: '500',
    });
  });
  afterAll(async () => {
    worker.kill('SIGTERM');
    await t.close();
  });

  it('runs a queued task to SUCCESS in the worker process', async () => {
    const d = await createDeployment(t, {
      '1': { type: 'group_assignment', config: { grouping_method: 'diverse' } },
    });
    const { body } = await t.http
      .post(`/api/page-deployments/${d}/behaviors/trigger`)
      .send({ behavior_number: '1' })
      .expect(202);
    const last = (await pollUntilDone(t, d, body.task_id)).at(-1)!;
    expect(last.state).toBe('SUCCESS');
    expect(
      (last.result as { metadata: { grouping_method: string } }).metadata.grouping_method,
    ).toBe('diverse');
  });

  it('delivers a cancel from the API process to the worker process holding the task', async () => {
    const d = await createDeployment(t, {
      '1': { type: 'test_sleep', config: { duration_ms: 20_000 } },
    });
    const { body } = await t.http
      .post(`/api/page-deployments/${d}/behaviors/trigger`)
      .send({ behavior_number: '1' })
      .expect(202);
    await waitForState(t, d, body.task_id, 'PROGRESS', 40);
    const res = await t.http
      .post(`/api/page-deployments/${d}/behaviors/tasks/${body.task_id}/cancel`)
      .expect(200);
    expect(res.body.cancelled).toBe(true);
    const status = (
      await t.http.get(`/api/page-deployments/${d}/behaviors/tasks/${body.task_id}`).expect(200)
    ).body;
    expect(status).toMatchObject({ state: 'FAILURE', stage: 'cancelled' });
    // Stopped by the worker itself, within the grace period, not recorded by the API's fallback.
    expect(status.error).toBe('Cancelled by a cancel request');
  });
});
