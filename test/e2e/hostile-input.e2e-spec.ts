import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import Redis from 'ioredis';
import { SubmissionsService } from '../../src/deployments/submissions.service';
import { createDeployment, startTestApp, TestApp, testRedisUrl } from '../support/app';

const shape = {
  statusCode: expect.any(Number),
  error: expect.any(String),
  message: expect.any(String),
};

/** `[[[...1...]]]`, `depth` arrays deep, as text (building it as a value would need recursion). */
function deepArray(depth: number): string {
  return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

describe('Hostile input: always a 4xx, checked before validation (HTTP)', () => {
  let t: TestApp;
  let redis: Redis;
  let id: string;
  beforeAll(async () => {
    t = await startTestApp({ MAX_SUBMISSIONS_PER_DEPLOYMENT: '100', MAX_BODY_SIZE: '2mb' });
    redis = new Redis(testRedisUrl());
    id = await createDeployment(t, { '1': { type: 'random_grouping' } }, []);
  });
  afterAll(async () => {
    redis.disconnect();
    await t.close();
  });

  it('keeps the student limit under 100 parallel PUTs of 5 new students each', async () => {
    // Real parallel connections (supertest's in-process requests hardly interleave).
    const server = t.app.getHttpServer() as Server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const answers = await Promise.all(
      Array.from({ length: 100 }, async (_, r) => {
        const res = await fetch(`http://127.0.0.1:${port}/api/page-deployments/${id}/submissions`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            submissions: Array.from({ length: 5 }, (_, i) => ({ name: `s${r}-${i}`, text: 'hi' })),
          }),
        });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      }),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.filter((s) => s === 413)).toHaveLength(80);
    const refused = answers.find((a) => a.status === 413)!;
    expect(refused.body).toMatchObject({ ...shape, statusCode: 413 });
    expect(refused.body.message).toBe(
      'A deployment holds at most 100 students; this request would make it 105',
    );
    const list = await t.http.get(`/api/page-deployments/${id}/submissions`).expect(200);
    expect(list.body.total).toBe(100);
    // Replacing students already stored is always allowed at the limit.
    await t.http
      .put(`/api/page-deployments/${id}/submissions`)
      .send({ submissions: [{ name: 's0-0', text: 'changed' }] })
      .expect(200, { upserted: 1, total: 100 });
  });

  it('keeps the limit when 100 upserts start in the same tick (the service, no HTTP)', async () => {
    const other = await createDeployment(t, { '1': { type: 'random_grouping' } }, []);
    const service = t.app.get(SubmissionsService);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 100 }, (_, r) =>
        service.put(other, {
          submissions: Array.from({ length: 5 }, (_, i) => ({ name: `s${r}-${i}`, text: 'hi' })),
        }),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(20);
    expect(await redis.hlen(`${t.config.keyPrefix}:dep:${other}:subs`)).toBe(100);
  });

  it('answers ids that are not UUIDs with 404 before touching Redis', async () => {
    for (const bad of [`${id}:subs`, `${id}:vars`, 'x'.repeat(10_000), 'a%00b', '..', '*']) {
      const res = await t.http.get(`/api/page-deployments/${bad}/submissions`).expect(404);
      expect(res.body).toMatchObject({ ...shape, statusCode: 404, error: 'Not Found' });
      expect(res.body.message).toMatch(/^Deployment .* not found$/);
      expect(res.body.message.length).toBeLessThan(120);
    }
    const task = await t.http
      .get(`/api/page-deployments/${id}/behaviors/tasks/${id}:x`)
      .expect(404);
    expect(task.body.message).toMatch(/^Task .* not found/);
  });

  it('bounds page numbers and names, naming the field', async () => {
    const page = await t.http.get('/api/page-deployments?page=99999999999999999999').expect(400);
    expect(page.body).toMatchObject({ ...shape, fields: ['page'] });
    const size = await t.http.get(`/api/page-deployments/${id}/submissions?page_size=1001`);
    expect(size.status).toBe(400);
    expect(size.body.fields).toEqual(['page_size']);
    const name = await t.http.delete(`/api/page-deployments/${id}/submissions/a%00b`).expect(400);
    expect(name.body).toMatchObject({ ...shape, fields: ['name'] });
    const nul = await t.http
      .put(`/api/page-deployments/${id}/submissions`)
      .send({ submissions: [{ name: 'a\u0000', text: 'x' }] })
      .expect(400);
    expect(nul.body.fields).toEqual(['submissions.0.name']);
    const prompt = await t.http
      .put(`/api/page-deployments/${id}/submissions`)
      .send({ submissions: [{ name: 'a', text: 'x', responses: { 'p\n': 'y' } }] })
      .expect(400);
    expect(prompt.body.fields).toEqual(['submissions.0.responses.p\\n']);
  });

  it('refuses a 10,000-deep body without overflowing the stack, and too many keys fast', async () => {
    const deepCreate = await t.http
      .post('/api/page-deployments')
      .set('content-type', 'application/json')
      .send(`{"title":"x","behaviors":{},"z":${deepArray(10_000)}}`)
      .expect(400);
    expect(deepCreate.body.message).toContain('nested deeper than 32 levels');
    const deepPut = await t.http
      .put(`/api/page-deployments/${id}/submissions`)
      .set('content-type', 'application/json')
      .send(`{"submissions":${deepArray(10_000)}}`)
      .expect(400);
    expect(deepPut.body).toMatchObject({ ...shape, statusCode: 400 });
    expect(deepPut.body.fields[0]).toMatch(/^submissions(\.0){31}$/);
    const responses: Record<string, string> = {};
    for (let i = 0; i < 100_000; i++) responses[`p${i}`] = 'a';
    const started = Date.now();
    const res = await t.http
      .put(`/api/page-deployments/${id}/submissions`)
      .send({ submissions: [{ name: 'many', text: 'x', responses }] })
      .expect(413);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(res.body).toMatchObject({ ...shape, fields: ['submissions.0.responses'] });
    expect(res.body.message).toContain('at most 200');
  });

  it('refuses __proto__ and constructor keys instead of dropping them silently', async () => {
    for (const body of [
      '{"title":"x","behaviors":{},"__proto__":{"polluted":1}}',
      '{"title":"x","behaviors":{"constructor":{"type":"group"}}}',
    ]) {
      const res = await t.http
        .post('/api/page-deployments')
        .set('content-type', 'application/json')
        .send(body)
        .expect(400);
      expect(res.body.message).toMatch(/(__proto__|constructor) is not allowed as a key/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers compressed, corrupt-compressed and non-JSON bodies with 415', async () => {
    const json = '{"title":"x","behaviors":{}}';
    for (const [encoding, bytes] of [
      ['gzip', gzipSync(json)],
      ['gzip', Buffer.from([0x1f, 0x8b, 8, 0, 9, 9, 9, 9])],
      ['br', brotliCompressSync(json)],
      ['br', Buffer.from('not brotli at all')],
      ['deflate', Buffer.from('garbage')],
    ] as const) {
      const res = await t.http
        .post('/api/page-deployments')
        .set('content-type', 'application/json')
        .set('content-encoding', encoding)
        .send(bytes)
        .expect(415);
      expect(res.body).toMatchObject({ ...shape, statusCode: 415 });
    }
    const form = await t.http
      .post('/api/page-deployments')
      .type('form')
      .send('title=x&behaviors=1')
      .expect(415);
    expect(form.body.message).toContain('must be JSON');
    const bad = await t.http
      .post('/api/page-deployments')
      .set('content-type', 'application/json')
      .send('{"title": ')
      .expect(400);
    expect(bad.body.message).toContain('not valid JSON');
  });

  it('reads +json bodies with parameters, and names the limit past MAX_BODY_SIZE', async () => {
    await t.http
      .post('/api/page-deployments')
      .set('content-type', 'application/vnd.example+json; charset=utf-8')
      .send('{"title":"plus json","behaviors":{}}')
      .expect(201);
    const big = await t.http
      .post('/api/page-deployments')
      .set('content-type', 'application/json')
      .send(`{"title":"${'x'.repeat(11 * 1024 * 1024)}","behaviors":{}}`)
      .expect(413);
    expect(big.body).toMatchObject({ ...shape, statusCode: 413 });
    expect(big.body.message).toContain('MAX_BODY_SIZE');
  });

  it('answers a path that does not decode in the error shape, with the usual headers', async () => {
    for (const path of [
      '/api/page-deployments/%ZZ',
      '/api/%E0%A4%A',
      '/api/deploy/%ZZ/behaviors/trigger',
    ]) {
      const res = await t.http.get(path).expect(400);
      expect(res.body).toMatchObject({ ...shape, statusCode: 400 });
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    }
  });
});
