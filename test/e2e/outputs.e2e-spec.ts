import {
  CLASS_ANSWERS,
  createDeployment,
  pollUntilDone,
  startTestApp,
  TestApp,
  waitForState,
} from '../support/app';

describe('Outputs for later pages: variables, a student\u2019s group, history (HTTP)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ CANCEL_GRACE_MS: '500' });
  });
  afterAll(async () => t.close());

  async function run(d: string, behavior: string) {
    const res = await t.http
      .post(`/api/page-deployments/${d}/behaviors/trigger`)
      .send({ behavior_number: behavior, async_execution: true })
      .expect(202);
    return (await pollUntilDone(t, d, res.body.task_id)).at(-1)!;
  }

  it('saves group_{n} and theme_{n}, answers which group a student is in, and records history', async () => {
    const d = await createDeployment(t, {
      '1': { type: 'group_assignment', config: { group_size: 2, grouping_method: 'homogeneous' } },
      '2': { type: 'theme_creator', config: { num_themes: 4 } },
    });
    const g = await run(d, '1');
    const th = await run(d, '2');
    expect([g.state, th.state]).toEqual(['SUCCESS', 'SUCCESS']);

    const vars = await t.http.get(`/api/page-deployments/${d}/variables`).expect(200);
    expect((vars.body.variables as { name: string }[]).map((v) => v.name)).toEqual([
      'group_1',
      'theme_2',
    ]);
    const group1 = await t.http.get(`/api/page-deployments/${d}/variables/group_1`).expect(200);
    expect(group1.body.value).toEqual((g.result as { groups: unknown }).groups);
    expect(group1.body.task_id).toBe(g.task_id);
    const theme2 = await t.http.get(`/api/page-deployments/${d}/variables/theme_2`).expect(200);
    expect(theme2.body.value).toEqual((th.result as { themes: unknown }).themes);
    await t.http.get(`/api/page-deployments/${d}/variables/group_9`).expect(404);

    const mine = await t.http.get(`/api/page-deployments/${d}/groups/ana@school.edu`).expect(200);
    const groups = (g.result as { groups: Record<string, string[]> }).groups;
    expect(groups[mine.body.group_name]).toContain('ana@school.edu');
    expect(mine.body.members).toEqual(
      groups[mine.body.group_name].filter((n) => n !== 'ana@school.edu'),
    );
    expect(mine.body).toMatchObject({
      variable: 'group_1',
      behavior_number: '1',
      task_id: g.task_id,
    });
    await t.http.get(`/api/page-deployments/${d}/groups/nobody@school.edu`).expect(404);

    const history = await t.http.get(`/api/page-deployments/${d}/behaviors/history`).expect(200);
    expect(history.body.executions).toHaveLength(2);
    expect(history.body.executions[0]).toMatchObject({
      task_id: th.task_id,
      behavior_number: '2',
      behavior_type: 'theme_creator',
      success: true,
      outcome: 'succeeded',
      input_student_count: CLASS_ANSWERS.length,
      output_themes_created: (th.result as { themes: unknown[] }).themes.length,
      output_groups_created: null,
      error_message: null,
    });
    expect(history.body.executions[1]).toMatchObject({
      task_id: g.task_id,
      output_groups_created: 4,
    });
    expect(history.body.executions[1].execution_time_seconds).toBeGreaterThanOrEqual(0);
  });

  it('records failed and cancelled runs in history without overwriting the last good output', async () => {
    const d = await createDeployment(t, {
      '1': { type: 'random_grouping', config: { group_size: 2 } },
      '2': { type: 'test_sleep', config: { duration_ms: 20_000 } },
    });
    const good = await run(d, '1');
    const before = (await t.http.get(`/api/page-deployments/${d}/variables/group_1`).expect(200))
      .body;

    // Too few students now: the next run fails, and group_1 keeps the good groups.
    const everyone = (
      await t.http.get(`/api/page-deployments/${d}/submissions?page_size=100`).expect(200)
    ).body.submissions as { name: string }[];
    for (const s of everyone.slice(1))
      await t.http.delete(`/api/page-deployments/${d}/submissions/${s.name}`).expect(204);
    const failed = await run(d, '1');
    expect(failed.state).toBe('FAILURE');
    expect(
      (await t.http.get(`/api/page-deployments/${d}/variables/group_1`).expect(200)).body,
    ).toEqual(before);

    const sleeper = await t.http
      .post(`/api/page-deployments/${d}/behaviors/trigger`)
      .send({ behavior_number: '2' })
      .expect(202);
    await waitForState(t, d, sleeper.body.task_id, 'PROGRESS', 40);
    await t.http
      .post(`/api/page-deployments/${d}/behaviors/tasks/${sleeper.body.task_id}/cancel`)
      .expect(200);

    const history = (await t.http.get(`/api/page-deployments/${d}/behaviors/history`).expect(200))
      .body.executions;
    expect((history as { outcome: string }[]).map((h) => h.outcome)).toEqual([
      'cancelled',
      'failed',
      'succeeded',
    ]);
    expect(history[0]).toMatchObject({
      task_id: sleeper.body.task_id,
      success: false,
      error_message: 'Cancelled by a cancel request',
    });
    expect(history[1]).toMatchObject({
      task_id: failed.task_id,
      success: false,
      input_student_count: 1,
    });
    expect(history[1].error_message).toContain('Need at least 2 students');
    expect(history[2]).toMatchObject({ task_id: good.task_id, success: true });
  });
});
