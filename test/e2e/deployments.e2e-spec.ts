import { CLASS_ANSWERS, createDeployment, startTestApp, TestApp } from '../support/app';

describe('Deployments, submissions and validation (HTTP)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      MAX_SUBMISSIONS_PER_REQUEST: '50',
      MAX_TEXT_LENGTH: '500',
      MAX_BODY_SIZE: '20kb',
    });
  });
  afterAll(async () => t.close());

  it('creates, reads, lists, edits and deletes a deployment', async () => {
    const created = await t.http
      .post('/api/page-deployments')
      .send({
        title: 'Energy debate',
        behaviors: { '1': { type: 'group', config: { group_size: 3 } } },
      })
      .expect(201);
    const id = created.body.id as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.body.behaviors['1'].type).toBe('group_assignment');
    expect(created.body.behaviors['1'].config.group_size).toBe(3);
    expect(created.body.created_at).toEqual(expect.any(String));

    await t.http
      .get(`/api/page-deployments/${id}`)
      .expect(200)
      .expect((r) => expect(r.body.title).toBe('Energy debate'));
    const list = await t.http.get('/api/page-deployments?page=1&page_size=100').expect(200);
    expect((list.body.items as { id: string }[]).map((d) => d.id)).toContain(id);
    expect(list.body.total).toBeGreaterThanOrEqual(1);

    const patched = await t.http
      .patch(`/api/page-deployments/${id}`)
      .send({
        title: 'Renamed',
        behaviors: { '2': { type: 'themeCreator', config: { num_themes: 4 } } },
      })
      .expect(200);
    expect(patched.body.title).toBe('Renamed');
    expect(Object.keys(patched.body.behaviors)).toEqual(['2']);

    const behaviors = await t.http.get(`/api/page-deployments/${id}/behaviors`).expect(200);
    expect(behaviors.body.behaviors).toEqual([
      {
        behavior_number: '2',
        type: 'theme_creator',
        heavy: true,
        default_execution: 'async',
        config: expect.objectContaining({ num_themes: 4 }),
      },
    ]);

    await t.http.delete(`/api/page-deployments/${id}`).expect(204);
    await t.http.get(`/api/page-deployments/${id}`).expect(404);
  });

  it('lists the light behavior as synchronous by default', async () => {
    const id = await createDeployment(t, { '1': { type: 'random_grouping' } });
    const res = await t.http.get(`/api/page-deployments/${id}/behaviors`).expect(200);
    expect(res.body.behaviors[0]).toMatchObject({
      type: 'random_grouping',
      heavy: false,
      default_execution: 'sync',
    });
  });

  it('upserts students by name, lists and removes them', async () => {
    const id = await createDeployment(t, { '1': { type: 'group' } });
    const again = await t.http
      .put(`/api/page-deployments/${id}/submissions`)
      .send({
        submissions: [
          { name: 'ana@school.edu', text: 'Changed my mind: wind.', responses: { p1: 'wind' } },
          { name: 'new@school.edu', text: 'Hi' },
        ],
      })
      .expect(200);
    expect(again.body).toEqual({ upserted: 2, total: CLASS_ANSWERS.length + 1 });
    const list = await t.http
      .get(`/api/page-deployments/${id}/submissions?page_size=100`)
      .expect(200);
    const ana = (list.body.submissions as { name: string }[]).find(
      (s) => s.name === 'ana@school.edu',
    );
    expect(ana).toMatchObject({ text: 'Changed my mind: wind.', responses: { p1: 'wind' } });
    await t.http.delete(`/api/page-deployments/${id}/submissions/new@school.edu`).expect(204);
    await t.http.delete(`/api/page-deployments/${id}/submissions/new@school.edu`).expect(404);
    const after = await t.http.get(`/api/page-deployments/${id}/submissions`).expect(200);
    expect(after.body.total).toBe(CLASS_ANSWERS.length);
  });

  describe('bad input is a 4xx with one error shape naming the field', () => {
    const shape = {
      statusCode: expect.any(Number),
      error: expect.any(String),
      message: expect.any(String),
    };

    it('rejects a bad config value, naming the field', async () => {
      const res = await t.http
        .post('/api/page-deployments')
        .send({
          title: 'x',
          behaviors: { '1': { type: 'group_assignment', config: { grouping_method: 'random' } } },
        })
        .expect(400);
      expect(res.body).toMatchObject({
        ...shape,
        statusCode: 400,
        error: 'Bad Request',
        fields: ['behaviors.1.config.grouping_method'],
      });
      expect(res.body.message).toContain('behaviors.1.config.grouping_method');
    });

    it('rejects an unknown behavior type and unknown fields', async () => {
      const res = await t.http
        .post('/api/page-deployments')
        .send({ title: 'x', behaviors: { '1': { type: 'quiz' } } })
        .expect(400);
      expect(res.body.fields).toEqual(['behaviors.1.type']);
      const extra = await t.http
        .post('/api/page-deployments')
        .send({ title: 'x', behaviors: {}, owner: 'me' })
        .expect(400);
      expect(extra.body).toMatchObject({ ...shape, fields: ['owner'] });
      expect(extra.body.message).toContain('owner');
    });

    it('answers field names full of regular-expression syntax with a plain 400', async () => {
      // Such a name once reached `new RegExp`: this body froze the event loop for seconds.
      for (const name of ['(.*)*\u0000a(.*)*(.*)*(.*)*b', '(', '[']) {
        const res = await t.http
          .post('/api/page-deployments')
          .send({ title: 'x', behaviors: {}, [name]: 1 })
          .expect(400);
        expect(res.body).toMatchObject({ ...shape, fields: [name] });
        expect(res.body.message).toBe(`${name} should not exist`);
      }
    });

    it('rejects wrong types and missing fields', async () => {
      const res = await t.http
        .post('/api/page-deployments')
        .send({ title: 42, behaviors: [] })
        .expect(400);
      expect(res.body.fields).toEqual(expect.arrayContaining(['title']));
      const missing = await t.http
        .put(`/api/page-deployments/${await createDeployment(t, {})}/submissions`)
        .send({ submissions: [{ name: 'a' }] })
        .expect(400);
      expect(missing.body.fields).toEqual(['submissions.0.text']);
    });

    it('answers malformed JSON with 400, not 500', async () => {
      const res = await t.http
        .post('/api/page-deployments')
        .set('content-type', 'application/json')
        .send('{"title": ')
        .expect(400);
      expect(res.body).toMatchObject({ ...shape, statusCode: 400 });
      expect(res.body.message).toContain('not valid JSON');
    });

    it('answers an oversized body with 413', async () => {
      const res = await t.http
        .post('/api/page-deployments')
        .send({ title: 'x'.repeat(30_000), behaviors: {} })
        .expect(413);
      expect(res.body).toMatchObject({ ...shape, statusCode: 413, error: 'Payload Too Large' });
    });

    it('bounds the text length and the number of students per request', async () => {
      const id = await createDeployment(t, {});
      const long = await t.http
        .put(`/api/page-deployments/${id}/submissions`)
        .send({ submissions: [{ name: 'a', text: 'y'.repeat(501) }] })
        .expect(400);
      expect(long.body.fields).toEqual(['submissions.0.text']);
      const longAnswer = await t.http
        .put(`/api/page-deployments/${id}/submissions`)
        .send({
          submissions: [
            { name: 'a', text: 'ok' },
            { name: 'b', text: 'ok', responses: { 'prompt-1': 'ok', 'prompt-2': 'y'.repeat(501) } },
          ],
        })
        .expect(400);
      expect(longAnswer.body.fields).toEqual(['submissions.1.responses.prompt-2']);
      expect(longAnswer.body.message).toBe(
        'submissions.1.responses.prompt-2 is 501 characters long; the limit is 500',
      );
      const many = Array.from({ length: 51 }, (_, i) => ({ name: `s${i}`, text: 'ok' }));
      const tooMany = await t.http
        .put(`/api/page-deployments/${id}/submissions`)
        .send({ submissions: many })
        .expect(413);
      expect(tooMany.body.message).toContain('at most 50');
    });

    it('answers 404 for unknown deployments everywhere', async () => {
      const unknown = '00000000-0000-4000-8000-000000000000';
      for (const [method, path] of [
        ['get', `/api/page-deployments/${unknown}`],
        ['get', `/api/page-deployments/${unknown}/behaviors`],
        ['get', `/api/page-deployments/${unknown}/submissions`],
        ['delete', `/api/page-deployments/${unknown}`],
      ] as const) {
        const res = await t.http[method](path).expect(404);
        expect(res.body).toMatchObject({
          statusCode: 404,
          error: 'Not Found',
          message: `Deployment ${unknown} not found`,
        });
      }
    });
  });
});
