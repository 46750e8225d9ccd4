import { createDeployment, pollUntilDone, startTestApp, TestApp } from '../support/app';

describe('Finished tasks are kept for TASK_RETENTION_SECONDS, then answer 404', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ TASK_RETENTION_SECONDS: '1' });
  });
  afterAll(async () => t.close());

  it('reads a finished task until its retention runs out, never as PENDING afterwards', async () => {
    const d = await createDeployment(t, { '1': { type: 'random_grouping' } });
    const { body } = await t.http
      .post(`/api/page-deployments/${d}/behaviors/trigger`)
      .send({ behavior_number: '1', async_execution: true })
      .expect(202);
    expect((await pollUntilDone(t, d, body.task_id)).at(-1)!.state).toBe('SUCCESS');
    await t.http.get(`/api/page-deployments/${d}/behaviors/tasks/${body.task_id}`).expect(200);
    const deadline = Date.now() + 5000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await t.http.get(`/api/page-deployments/${d}/behaviors/tasks/${body.task_id}`))
        .status;
    }
    expect(status).toBe(404);
    // The saved output outlives the task record.
    await t.http.get(`/api/page-deployments/${d}/variables/group_1`).expect(200);
  });
});
