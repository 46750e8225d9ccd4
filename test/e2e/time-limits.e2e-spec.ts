import { createDeployment, pollUntilDone, startTestApp, TestApp } from '../support/app';

describe('Soft and hard time limits (configured to seconds)', () => {
  let t: TestApp;
  let d: string;
  beforeAll(async () => {
    t = await startTestApp({ SOFT_TIME_LIMIT_MS: '1000', HARD_TIME_LIMIT_MS: '2000' });
    d = await createDeployment(t, {
      '1': { type: 'test_sleep', config: { duration_ms: 30_000, honour_signal: true } },
      '2': { type: 'test_sleep', config: { duration_ms: 30_000, honour_signal: false } },
      '3': { type: 'random_grouping' },
    });
  });
  afterAll(async () => t.close());

  const trigger = (body: Record<string, unknown>) =>
    t.http.post(`/api/page-deployments/${d}/behaviors/trigger`).send(body);

  it('fails a behavior that winds up at the soft limit with the soft-limit message', async () => {
    const { body } = await trigger({ behavior_number: '1' }).expect(202);
    const last = (await pollUntilDone(t, d, body.task_id)).at(-1)!;
    expect(last).toMatchObject({
      state: 'FAILURE',
      stage: 'failed',
      error: 'Soft time limit exceeded (1 s)',
    });
  });

  it('kills a behavior that ignores the soft limit at the hard limit, and the worker takes the next task', async () => {
    const t0 = Date.now();
    const { body } = await trigger({ behavior_number: '2' }).expect(202);
    const last = (await pollUntilDone(t, d, body.task_id)).at(-1)!;
    expect(last).toMatchObject({
      state: 'FAILURE',
      stage: 'failed',
      error: 'Hard time limit exceeded (2 s)',
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
    const next = await trigger({ behavior_number: '3', async_execution: true }).expect(202);
    expect((await pollUntilDone(t, d, next.body.task_id)).at(-1)!.state).toBe('SUCCESS');
  });

  it('answers a synchronous run that hits a limit with 504 and success false', async () => {
    const res = await trigger({ behavior_number: '1', async_execution: false }).expect(504);
    expect(res.body).toMatchObject({
      statusCode: 504,
      success: false,
      message: 'Soft time limit exceeded (1 s)',
      behavior_number: '1',
    });
  });
});
