import { createDeployment, pollUntilDone, startTestApp, StatusBody, TestApp } from '../support/app';

const TIMEDELTA = /^\d+:\d{2}:\d{2}(\.\d{6})?$/;

function expectMonotonic(statuses: StatusBody[]): void {
  const progress = statuses.map((s) => s.progress);
  for (let i = 1; i < progress.length; i++)
    expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]);
}

describe('Triggering behaviors (HTTP, real Redis, embedded worker)', () => {
  let t: TestApp;
  let dep: string;
  beforeAll(async () => {
    t = await startTestApp();
    dep = await createDeployment(t, {
      '1': { type: 'group_assignment', config: { group_size: 2, grouping_method: 'homogeneous' } },
      '2': { type: 'theme_creator', config: { num_themes: 3 } },
      '3': { type: 'random_grouping', config: { group_size: 3, seed: 7 } },
      '4': { type: 'test_sleep', config: { duration_ms: 400 } },
    });
  });
  afterAll(async () => t.close());

  const trigger = (body: Record<string, unknown>, deployment = dep) =>
    t.http.post(`/api/page-deployments/${deployment}/behaviors/trigger`).send(body);

  it('runs a heavy behavior asynchronously by default and polls to SUCCESS with rising progress', async () => {
    const res = await trigger({ behavior_number: '1' }).expect(202);
    expect(res.body).toEqual({
      behavior_number: '1',
      task_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: 'PENDING',
      message: 'Behavior execution started. Use task ID to check progress.',
    });
    const seen = await pollUntilDone(t, dep, res.body.task_id, 30_000, 5);
    expectMonotonic(seen);
    const last = seen.at(-1)!;
    expect(last).toMatchObject({
      state: 'SUCCESS',
      stage: 'completed',
      progress: 100,
      status: 'Task completed successfully',
      error: null,
    });
    const result = last.result as {
      success: boolean;
      groups: Record<string, string[]>;
      execution_time: string;
      task_id: string;
      executed_at: string;
    };
    expect(result.success).toBe(true);
    expect(result.task_id).toBe(res.body.task_id);
    expect(result.execution_time).toMatch(TIMEDELTA);
    expect(Date.parse(result.executed_at)).not.toBeNaN();
    expect(Object.values(result.groups).flat()).toHaveLength(8);
    expect(Object.keys(result.groups)).toEqual(['Group1', 'Group2', 'Group3', 'Group4']);
  });

  it('reports the runner and behavior stages on the way (test behavior slow enough to watch)', async () => {
    const res = await trigger({ behavior_number: '4' }).expect(202);
    const seen = await pollUntilDone(t, dep, res.body.task_id, 10_000, 5);
    expectMonotonic(seen);
    const stages = [...new Set(seen.map((s) => s.stage))];
    expect(stages).toContain('execution');
    expect(stages.at(-1)).toBe('completed');
    expect(seen.some((s) => s.state === 'PROGRESS' && s.progress >= 30 && s.progress < 100)).toBe(
      true,
    );
  });

  it('runs theme creation asynchronously and returns themes', async () => {
    const res = await trigger({ behavior_number: '2' }).expect(202);
    const last = (await pollUntilDone(t, dep, res.body.task_id)).at(-1)!;
    expect(last.state).toBe('SUCCESS');
    const themes = (last.result as { themes: { title: string; student_count: number }[] }).themes;
    expect(themes.length).toBeGreaterThanOrEqual(1);
    expect(themes.reduce((a, th) => a + th.student_count, 0)).toBe(8);
  });

  it('runs the light behavior synchronously by default, with the result at the top level', async () => {
    const res = await trigger({ behavior_number: '3' }).expect(200);
    expect(res.body).toMatchObject({
      behavior_number: '3',
      success: true,
      task_id: expect.any(String),
    });
    expect(res.body.execution_time).toMatch(TIMEDELTA);
    expect(
      Object.values(res.body.groups as Record<string, string[]>)
        .flat()
        .sort(),
    ).toHaveLength(8);
    expect(res.body.metadata).toMatchObject({
      grouping_method: 'random',
      total_students: 8,
      total_groups: 3,
    });
    // The same seed gives the same groups.
    const again = await trigger({ behavior_number: '3' }).expect(200);
    expect(again.body.groups).toEqual(res.body.groups);
  });

  it('lets async_execution override the default both ways', async () => {
    const sync = await trigger({ behavior_number: '2', async_execution: false }).expect(200);
    expect(sync.body).toMatchObject({ behavior_number: '2', success: true });
    expect(Array.isArray(sync.body.themes)).toBe(true);
    const syncGroups = await trigger({ behavior_number: '1', async_execution: false }).expect(200);
    expect(syncGroups.body).toMatchObject({ behavior_number: '1', success: true });
    expect(Object.values(syncGroups.body.groups as Record<string, string[]>).flat()).toHaveLength(
      8,
    );
    expect(Object.keys(syncGroups.body.explanations as Record<string, string>)).toHaveLength(4);
    const asyncLight = await trigger({ behavior_number: '3', async_execution: true }).expect(202);
    const last = (await pollUntilDone(t, dep, asyncLight.body.task_id)).at(-1)!;
    expect(last.state).toBe('SUCCESS');
  });

  it('refuses a second trigger while the first is queued or running, naming the running task', async () => {
    const first = await trigger({ behavior_number: '4' }).expect(202);
    const second = await trigger({ behavior_number: '4' }).expect(409);
    expect(second.body).toMatchObject({
      statusCode: 409,
      error: 'Conflict',
      task_id: first.body.task_id,
      behavior_number: '4',
    });
    await pollUntilDone(t, dep, first.body.task_id);
    await trigger({ behavior_number: '4' }).expect(202); // free again once finished
  });

  it('refuses a synchronous trigger sent with its run behind it, leaving the running task alone', async () => {
    // A synchronous run here first: the class is now known to be small, so the next synchronous
    // trigger sends its run's reads and start right behind the creation (one round trip).
    await trigger({ behavior_number: '3' }).expect(200);
    // Behavior 4 may still be held by the previous test's last run: wait for it to be free.
    let first = await trigger({ behavior_number: '4' });
    for (let i = 0; first.status === 409 && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 50));
      first = await trigger({ behavior_number: '4' });
    }
    expect(first.status).toBe(202);
    const second = await trigger({ behavior_number: '4', async_execution: false }).expect(409);
    expect(second.body).toMatchObject({ task_id: first.body.task_id, behavior_number: '4' });
    // The refused task's start found nothing to start: the holder runs on and succeeds.
    const last = (await pollUntilDone(t, dep, first.body.task_id)).at(-1)!;
    expect(last).toMatchObject({ state: 'SUCCESS', attempt: 1 });
    const sync = await trigger({ behavior_number: '4', async_execution: false }).expect(200);
    expect(sync.body).toMatchObject({ behavior_number: '4', success: true });
  });

  it('answers 404 naming an unknown deployment or behavior', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const d = await trigger({ behavior_number: '1' }, unknown).expect(404);
    expect(d.body.message).toBe(`Deployment ${unknown} not found`);
    const b = await trigger({ behavior_number: '9' }).expect(404);
    expect(b.body.message).toContain('Behavior 9 not found');
  });

  it('validates the trigger body', async () => {
    const missing = await trigger({}).expect(400);
    expect(missing.body.fields).toEqual(['behavior_number']);
    const numeric = await trigger({ behavior_number: 1 }).expect(400);
    expect(numeric.body.fields).toEqual(['behavior_number']);
    const extra = await trigger({ behavior_number: '1', priority: 'high' }).expect(400);
    expect(extra.body.fields).toEqual(['priority']);
    const badFlag = await trigger({ behavior_number: '1', async_execution: 'yes' }).expect(400);
    expect(badFlag.body.fields).toEqual(['async_execution']);
  });

  it('reports a failed run as a failure: 422 with success false when synchronous, FAILURE when queued', async () => {
    const lonely = await createDeployment(
      t,
      { '1': { type: 'group_assignment' }, '2': { type: 'random_grouping' } },
      [{ name: 'solo@school.edu', text: 'Only me here.' }],
    );
    const sync = await trigger({ behavior_number: '2' }, lonely).expect(422);
    expect(sync.body).toMatchObject({
      statusCode: 422,
      success: false,
      behavior_number: '2',
      task_id: expect.any(String),
    });
    expect(sync.body.message).toContain('Need at least 2 students');

    const queued = await trigger({ behavior_number: '1' }, lonely).expect(202);
    const last = (await pollUntilDone(t, lonely, queued.body.task_id)).at(-1)!;
    expect(last).toMatchObject({ state: 'FAILURE', stage: 'failed', result: null });
    expect(last.error).toContain('Need at least 2 students');
    expect(last.status).toBe(`Task failed: ${last.error}`);
  });

  it('never invents students when nothing was submitted', async () => {
    const empty = await createDeployment(t, { '1': { type: 'theme_creator' } }, []);
    const res = await trigger({ behavior_number: '1', async_execution: false }).expect(200); // other deployment still fine
    expect(res.body.success).toBe(true);
    const failed = await t.http
      .post(`/api/page-deployments/${empty}/behaviors/trigger`)
      .send({ behavior_number: '1', async_execution: false })
      .expect(422);
    expect(failed.body.message).toContain('only 0 of the 0 submitted');
  });

  it('runs the config as it is when the task starts, not as it was when triggered', async () => {
    const d = await createDeployment(t, {
      '1': { type: 'random_grouping', config: { group_size: 2 } },
    });
    await t.http
      .patch(`/api/page-deployments/${d}`)
      .send({ behaviors: { '1': { type: 'random_grouping', config: { group_size: 4 } } } })
      .expect(200);
    const res = await t.http
      .post(`/api/page-deployments/${d}/behaviors/trigger`)
      .send({ behavior_number: '1' })
      .expect(200);
    expect(res.body.metadata.total_groups).toBe(2);
  });

  it('serves the old /api/deploy paths exactly like the new ones', async () => {
    const res = await t.http
      .post(`/api/deploy/${dep}/behaviors/trigger`)
      .send({ behavior_number: '1' })
      .expect(202);
    expect(res.body.status).toBe('PENDING');
    let status: StatusBody;
    const deadline = Date.now() + 20_000;
    do {
      status = (
        await t.http.get(`/api/deploy/${dep}/behaviors/tasks/${res.body.task_id}`).expect(200)
      ).body as StatusBody;
      await new Promise((r) => setTimeout(r, 20));
    } while (status.state !== 'SUCCESS' && status.state !== 'FAILURE' && Date.now() < deadline);
    expect(status.state).toBe('SUCCESS');
    const cancel = await t.http
      .post(`/api/deploy/${dep}/behaviors/tasks/${res.body.task_id}/cancel`)
      .expect(409);
    expect(cancel.body).toMatchObject({ cancelled: false, task_id: res.body.task_id });
    const sync = await t.http
      .post(`/api/deploy/${dep}/behaviors/trigger`)
      .send({ behavior_number: '3' })
      .expect(200);
    expect(sync.body.success).toBe(true);
  });
});
