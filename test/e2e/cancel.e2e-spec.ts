import {
  createDeployment,
  pollUntilDone,
  startTestApp,
  TestApp,
  waitForState,
} from '../support/app';

const SLEEPERS = {
  '1': { type: 'test_sleep', config: { duration_ms: 20_000, honour_signal: true } },
  '2': { type: 'test_sleep', config: { duration_ms: 20_000, honour_signal: false } },
  '3': { type: 'random_grouping' },
};

describe('Cancelling tasks (HTTP, real Redis, embedded worker)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ CANCEL_GRACE_MS: '500', WORKER_CONCURRENCY: '2' });
  });
  afterAll(async () => t.close());

  const base = (d: string) => `/api/page-deployments/${d}/behaviors`;

  it('stops a running task whose behavior honours its signal, quickly, as a terminal cancelled FAILURE', async () => {
    const d = await createDeployment(t, SLEEPERS);
    const { body } = await t.http
      .post(`${base(d)}/trigger`)
      .send({ behavior_number: '1' })
      .expect(202);
    await waitForState(t, d, body.task_id, 'PROGRESS', 40);
    const res = await t.http.post(`${base(d)}/tasks/${body.task_id}/cancel`).expect(200);
    expect(res.body).toEqual({
      message: `Task ${body.task_id} has been cancelled`,
      task_id: body.task_id,
      cancelled: true,
    });
    const status = (await t.http.get(`${base(d)}/tasks/${body.task_id}`).expect(200)).body;
    expect(status).toMatchObject({ state: 'FAILURE', stage: 'cancelled', result: null });
    // Exactly this: a kill after the grace period or the API's fallback would add a reason.
    expect(status.error).toBe('Cancelled by a cancel request');
    // The behavior's slot is free: a new trigger of the same behavior is accepted at once.
    await t.http
      .post(`${base(d)}/trigger`)
      .send({ behavior_number: '1' })
      .expect(202);
  });

  it('kills a running task whose behavior ignores its signal once the grace period is over', async () => {
    const d = await createDeployment(t, SLEEPERS);
    const { body } = await t.http
      .post(`${base(d)}/trigger`)
      .send({ behavior_number: '2' })
      .expect(202);
    await waitForState(t, d, body.task_id, 'PROGRESS', 40);
    const t0 = Date.now();
    const res = await t.http.post(`${base(d)}/tasks/${body.task_id}/cancel`).expect(200);
    const waited = Date.now() - t0;
    expect(res.body.cancelled).toBe(true);
    expect(waited).toBeGreaterThanOrEqual(450);
    expect(waited).toBeLessThan(5000);
    const status = (await t.http.get(`${base(d)}/tasks/${body.task_id}`).expect(200)).body;
    expect(status).toMatchObject({ state: 'FAILURE', stage: 'cancelled' });
    expect(status.error).toContain('was killed');
    // The worker is healthy afterwards and takes the next task.
    const next = await t.http
      .post(`${base(d)}/trigger`)
      .send({ behavior_number: '3', async_execution: true })
      .expect(202);
    expect((await pollUntilDone(t, d, next.body.task_id)).at(-1)!.state).toBe('SUCCESS');
  });

  it('tells the truth about finished, unknown and foreign tasks, and repeats harmlessly', async () => {
    const d = await createDeployment(t, SLEEPERS);
    const other = await createDeployment(t, SLEEPERS);
    const done = await t.http
      .post(`${base(d)}/trigger`)
      .send({ behavior_number: '3', async_execution: true })
      .expect(202);
    await pollUntilDone(t, d, done.body.task_id);
    const finished = await t.http.post(`${base(d)}/tasks/${done.body.task_id}/cancel`).expect(409);
    expect(finished.body).toMatchObject({
      statusCode: 409,
      cancelled: false,
      task_id: done.body.task_id,
    });
    expect(finished.body.message).toContain('already finished (SUCCESS)');

    const unknown = '00000000-0000-4000-8000-000000000000';
    await t.http.post(`${base(d)}/tasks/${unknown}/cancel`).expect(404);
    await t.http.get(`${base(d)}/tasks/${unknown}`).expect(404);
    // A real task id through another deployment's URL is as unknown as a made-up one.
    await t.http.get(`${base(other)}/tasks/${done.body.task_id}`).expect(404);
    await t.http.post(`${base(other)}/tasks/${done.body.task_id}/cancel`).expect(404);

    const running = await t.http
      .post(`${base(d)}/trigger`)
      .send({ behavior_number: '1' })
      .expect(202);
    await waitForState(t, d, running.body.task_id, 'PROGRESS', 40);
    await t.http.post(`${base(d)}/tasks/${running.body.task_id}/cancel`).expect(200);
    const repeat = await t.http.post(`${base(d)}/tasks/${running.body.task_id}/cancel`).expect(200);
    expect(repeat.body).toMatchObject({
      cancelled: true,
      message: `Task ${running.body.task_id} was already cancelled`,
    });
  });

  it('cancels the running and queued tasks of a deployment that is deleted', async () => {
    const d = await createDeployment(t, SLEEPERS);
    const a = await t.http
      .post(`${base(d)}/trigger`)
      .send({ behavior_number: '1' })
      .expect(202);
    await waitForState(t, d, a.body.task_id, 'PROGRESS', 40);
    await t.http.delete(`/api/page-deployments/${d}`).expect(204);
    await t.http.get(`${base(d)}/tasks/${a.body.task_id}`).expect(404);
    // The worker slot comes back: another deployment's task runs to the end.
    const e = await createDeployment(t, SLEEPERS);
    const next = await t.http
      .post(`${base(e)}/trigger`)
      .send({ behavior_number: '3', async_execution: true })
      .expect(202);
    expect((await pollUntilDone(t, e, next.body.task_id)).at(-1)!.state).toBe('SUCCESS');
  });
});

describe('Cancelling queued tasks (no worker running)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ EMBEDDED_WORKERS: 'false' });
  });
  afterAll(async () => t.close());

  it('removes a queued task at once and reports it as a cancelled FAILURE', async () => {
    const d = await createDeployment(t, SLEEPERS);
    const { body } = await t.http
      .post(`/api/page-deployments/${d}/behaviors/trigger`)
      .send({ behavior_number: '1' })
      .expect(202);
    const pending = (
      await t.http.get(`/api/page-deployments/${d}/behaviors/tasks/${body.task_id}`).expect(200)
    ).body;
    expect(pending).toMatchObject({
      state: 'PENDING',
      stage: 'pending',
      progress: 0,
      status: 'Task is waiting to be processed...',
    });
    const t0 = Date.now();
    const res = await t.http
      .post(`/api/page-deployments/${d}/behaviors/tasks/${body.task_id}/cancel`)
      .expect(200);
    // Taken off the queue, not waited for: that path would take the grace period and more.
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(res.body.cancelled).toBe(true);
    const status = (
      await t.http.get(`/api/page-deployments/${d}/behaviors/tasks/${body.task_id}`).expect(200)
    ).body;
    expect(status).toMatchObject({
      state: 'FAILURE',
      stage: 'cancelled',
      error: 'Cancelled by a cancel request',
    });
    // The lock is released with it.
    await t.http
      .post(`/api/page-deployments/${d}/behaviors/trigger`)
      .send({ behavior_number: '1' })
      .expect(202);
  });
});
