import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { ACCESS_CONTROL_OFF } from '../../src/auth/authenticator.service';
import { CLASS_ANSWERS, startTestApp, TestApp } from '../support/app';
import { AuthTestApp, signToken, startAuthTestApp } from '../support/auth';

const BEHAVIORS = { '1': { type: 'random_grouping', config: { group_size: 2 } } };
const ANA = 'ana@school.edu';
const BEN = 'ben@school.edu';

function idsOf(page: unknown): string[] {
  return (page as { items: { id: string }[] }).items.map((i) => i.id);
}

function expectErrorShape(body: unknown, status: number): void {
  expect(body).toEqual(
    expect.objectContaining({
      statusCode: status,
      error: expect.any(String),
      message: expect.any(String),
    }),
  );
}

describe('Who may do what (bearer tokens, HS256)', () => {
  let t: AuthTestApp;
  let owner: string;
  let other: string;
  let admin: string;
  let student: string;
  let d: string;

  beforeAll(async () => {
    t = await startAuthTestApp();
    [owner, other, admin, student] = await Promise.all([
      t.token({ sub: 'ana', role: 'instructor' }),
      t.token({ sub: 'ben', role: 'instructor' }),
      t.token({ sub: 'root', role: 'admin' }),
      t.token({ sub: 'stud-1', role: 'student', name: ANA }),
    ]);
    const created = await t
      .as(owner)
      .post('/api/page-deployments')
      .send({ title: 'Ana\u2019s class', behaviors: BEHAVIORS })
      .expect(201);
    d = created.body.id;
    expect(created.body.owners).toEqual(['ana']);
    await t
      .as(owner)
      .put(`/api/page-deployments/${d}/submissions`)
      .send({ submissions: CLASS_ANSWERS })
      .expect(200);
    await t
      .as(owner)
      .post(`/api/page-deployments/${d}/behaviors/trigger`)
      .send({ behavior_number: '1' })
      .expect(200);
  });
  afterAll(async () => t.close());

  describe('without a valid token: 401 with WWW-Authenticate', () => {
    it('no token', async () => {
      const res = await t.raw.get('/api/page-deployments').expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expectErrorShape(res.body, 401);
      expect(res.body.message).toMatch(/Authorization: Bearer/);
    });

    it.each<[string, () => Promise<string>, RegExp]>([
      ['expired', () => t.token({ sub: 'ana', role: 'instructor' }, { ttl: -60 }), /expired/],
      ['without exp', () => t.token({ sub: 'ana', role: 'instructor' }, { ttl: null }), /exp/],
      [
        'for another audience',
        () => t.token({ sub: 'ana', role: 'instructor' }, { audience: 'someone-else' }),
        /audience/,
      ],
      [
        'from another issuer',
        () => t.token({ sub: 'ana', role: 'instructor' }, { issuer: 'https://evil.example' }),
        /issuer/,
      ],
      [
        'with a bad signature',
        () =>
          signToken(
            { sub: 'ana', role: 'instructor' },
            { key: new TextEncoder().encode('another-secret-of-thirty-two-bytes!!') },
          ),
        /signature/,
      ],
      ['with an unknown role', () => t.token({ sub: 'ana', role: 'teacher' }), /role/],
      ['of a student without a name', () => t.token({ sub: 's', role: 'student' }), /name/],
      ['that is not a JWT', () => Promise.resolve('not-a-jwt'), /not a valid JWT/],
    ])('a token %s', async (_label, make, message) => {
      const res = await t
        .as(await make())
        .get(`/api/page-deployments/${d}`)
        .expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      expectErrorShape(res.body, 401);
      expect(res.body.message).toMatch(message);
    });

    it('also on the old /api/deploy paths', async () => {
      const res = await t.raw
        .post(`/api/deploy/${d}/behaviors/trigger`)
        .send({ behavior_number: '1' })
        .expect(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    });
  });

  describe('an owner', () => {
    it('reads, lists and edits their deployment', async () => {
      await t.as(owner).get(`/api/page-deployments/${d}`).expect(200);
      const list = await t.as(owner).get('/api/page-deployments').expect(200);
      expect(list.body.total).toBe(1);
      expect(idsOf(list.body)).toEqual([d]);
      for (const path of ['variables', 'behaviors', 'behaviors/history', 'submissions'])
        await t.as(owner).get(`/api/page-deployments/${d}/${path}`).expect(200);
      await t.as(owner).get(`/api/page-deployments/${d}/groups/${BEN}`).expect(200);
      await t.as(owner).patch(`/api/page-deployments/${d}`).send({ title: 'Renamed' }).expect(200);
    });
  });

  describe('another instructor', () => {
    it('gets 404 with the message of an unknown id, on every route of the deployment', async () => {
      const unknown = randomUUID();
      const missing = await t.as(other).get(`/api/page-deployments/${unknown}`).expect(404);
      const hidden = await t.as(other).get(`/api/page-deployments/${d}`).expect(404);
      expect(hidden.body).toEqual({
        ...missing.body,
        message: (missing.body as { message: string }).message.replace(unknown, d),
      });
      const task = randomUUID();
      const attempts = [
        t.as(other).patch(`/api/page-deployments/${d}`).send({ title: 'Mine now' }),
        t
          .as(other)
          .patch(`/api/page-deployments/${d}`)
          .send({ owners: ['ben'] }),
        t.as(other).delete(`/api/page-deployments/${d}`),
        t.as(other).put(`/api/page-deployments/${d}/submissions`).send({ submissions: [] }),
        t.as(other).get(`/api/page-deployments/${d}/submissions`),
        t.as(other).delete(`/api/page-deployments/${d}/submissions/${ANA}`),
        t.as(other).get(`/api/page-deployments/${d}/behaviors`),
        t
          .as(other)
          .post(`/api/page-deployments/${d}/behaviors/trigger`)
          .send({ behavior_number: '1' }),
        t.as(other).get(`/api/page-deployments/${d}/behaviors/tasks/${task}`),
        t.as(other).post(`/api/page-deployments/${d}/behaviors/tasks/${task}/cancel`),
        t.as(other).get(`/api/page-deployments/${d}/variables`),
        t.as(other).get(`/api/page-deployments/${d}/variables/group_1`),
        t.as(other).get(`/api/page-deployments/${d}/groups/${ANA}`),
        t.as(other).get(`/api/page-deployments/${d}/behaviors/history`),
        t.as(other).post(`/api/deploy/${d}/behaviors/trigger`).send({ behavior_number: '1' }),
        t.as(other).get(`/api/deploy/${d}/behaviors/tasks/${task}`),
        t.as(other).post(`/api/deploy/${d}/behaviors/tasks/${task}/cancel`),
      ];
      for (const res of await Promise.all(attempts)) {
        expect(res.status).toBe(404);
        expect(res.body.message).toBe(`Deployment ${d} not found`);
      }
      await t.as(owner).get(`/api/page-deployments/${d}`).expect(200);
    });

    it('does not see it in their list, and the total counts only theirs', async () => {
      const mine = await t
        .as(other)
        .post('/api/page-deployments')
        .send({ title: 'Ben\u2019s class', behaviors: BEHAVIORS })
        .expect(201);
      const list = await t.as(other).get('/api/page-deployments').expect(200);
      expect(list.body).toMatchObject({ total: 1, items: [{ id: mine.body.id, owners: ['ben'] }] });
      await t.as(other).delete(`/api/page-deployments/${mine.body.id}`).expect(204);
      expect((await t.as(other).get('/api/page-deployments').expect(200)).body.total).toBe(0);
    });
  });

  describe('a student', () => {
    it('reads their own group only', async () => {
      const mine = await t.as(student).get(`/api/page-deployments/${d}/groups/${ANA}`).expect(200);
      expect(mine.body.student_name).toBe(ANA);
      const theirs = await t.as(student).get(`/api/page-deployments/${d}/groups/${BEN}`);
      expect(theirs.status).toBe(404);
      expectErrorShape(theirs.body, 404);
    });

    it('gets 403 on every other route, before any deployment is looked at', async () => {
      const attempts = [
        t.as(student).get('/api/page-deployments'),
        t.as(student).post('/api/page-deployments').send({ title: 'x', behaviors: BEHAVIORS }),
        t.as(student).get(`/api/page-deployments/${d}`),
        t.as(student).get(`/api/page-deployments/${randomUUID()}`),
        t.as(student).delete(`/api/page-deployments/${d}`),
        t.as(student).get(`/api/page-deployments/${d}/submissions`),
        t.as(student).put(`/api/page-deployments/${d}/submissions`).send({ submissions: [] }),
        t.as(student).get(`/api/page-deployments/${d}/variables`),
        t.as(student).get(`/api/page-deployments/${d}/behaviors/history`),
        t
          .as(student)
          .post(`/api/page-deployments/${d}/behaviors/trigger`)
          .send({ behavior_number: '1' }),
        t.as(student).post(`/api/page-deployments/${d}/behaviors/tasks/${randomUUID()}/cancel`),
      ];
      for (const res of await Promise.all(attempts)) {
        expect(res.status).toBe(403);
        expectErrorShape(res.body, 403);
      }
    });
  });

  describe('an admin', () => {
    it('sees and manages every deployment', async () => {
      await t.as(admin).get(`/api/page-deployments/${d}`).expect(200);
      await t.as(admin).get(`/api/page-deployments/${d}/groups/${ANA}`).expect(200);
      await t.as(admin).get(`/api/page-deployments/${d}/variables/group_1`).expect(200);
      const list = await t.as(admin).get('/api/page-deployments').expect(200);
      expect(idsOf(list.body)).toContain(d);
      const own = await t
        .as(admin)
        .post('/api/page-deployments')
        .send({ title: 'Admin\u2019s', behaviors: BEHAVIORS })
        .expect(201);
      await t.as(admin).delete(`/api/page-deployments/${own.body.id}`).expect(204);
    });
  });

  describe('sharing through owners', () => {
    it('lets an owner add and remove instructors, lists and totals following', async () => {
      const shared = await t
        .as(owner)
        .patch(`/api/page-deployments/${d}`)
        .send({ owners: ['ana', 'ben', 'ben'] })
        .expect(200);
      expect(shared.body.owners).toEqual(['ana', 'ben']);
      await t.as(other).get(`/api/page-deployments/${d}/variables`).expect(200);
      expect((await t.as(other).get('/api/page-deployments')).body.total).toBe(1);

      // Ben gives it back to himself alone: Ana loses it.
      await t
        .as(other)
        .patch(`/api/page-deployments/${d}`)
        .send({ owners: ['ben'] })
        .expect(200);
      await t.as(owner).get(`/api/page-deployments/${d}`).expect(404);
      expect((await t.as(owner).get('/api/page-deployments')).body.total).toBe(0);

      await t
        .as(admin)
        .patch(`/api/page-deployments/${d}`)
        .send({ owners: ['ana'] })
        .expect(200);
      await t.as(owner).get(`/api/page-deployments/${d}`).expect(200);
      await t.as(other).get(`/api/page-deployments/${d}`).expect(404);
      expect((await t.as(other).get('/api/page-deployments')).body.total).toBe(0);
    });

    it('refuses owners that are not a list of subs', async () => {
      const res = await t
        .as(owner)
        .patch(`/api/page-deployments/${d}`)
        .send({ owners: 'ben' })
        .expect(400);
      expectErrorShape(res.body, 400);
    });

    it('removes a deleted deployment from every owner\u2019s list', async () => {
      const x = await t
        .as(owner)
        .post('/api/page-deployments')
        .send({ title: 'Short-lived', behaviors: BEHAVIORS })
        .expect(201);
      await t
        .as(owner)
        .patch(`/api/page-deployments/${x.body.id}`)
        .send({ owners: ['ana', 'ben'] })
        .expect(200);
      await t.as(other).delete(`/api/page-deployments/${x.body.id}`).expect(204);
      const ids = async (token: string) =>
        ((await t.as(token).get('/api/page-deployments')).body.items as { id: string }[]).map(
          (i) => i.id,
        );
      expect(await ids(owner)).not.toContain(x.body.id);
      expect(await ids(other)).not.toContain(x.body.id);
    });
  });

  describe('deployments created while access control was off', () => {
    it('are visible to admins only', async () => {
      const off = await startTestApp({}, { ...t.config, auth: null });
      try {
        const legacy = await off.http
          .post('/api/page-deployments')
          .send({ title: 'Before auth', behaviors: BEHAVIORS })
          .expect(201);
        expect(legacy.body.owners).toEqual([]);
        await t.as(owner).get(`/api/page-deployments/${legacy.body.id}`).expect(404);
        await t.as(admin).get(`/api/page-deployments/${legacy.body.id}`).expect(200);
        await t.as(admin).delete(`/api/page-deployments/${legacy.body.id}`).expect(204);
      } finally {
        await off.close();
      }
    });
  });

  describe('state changes a browser could send cross-site', () => {
    it('refuses a text/plain cancel without a token, and accepts a bodiless one with the bearer header', async () => {
      const task = randomUUID();
      const path = `/api/page-deployments/${d}/behaviors/tasks/${task}/cancel`;
      const plain = await t.raw.post(path).set('Content-Type', 'text/plain').send('{}');
      expect(plain.status).toBe(415);
      expectErrorShape(plain.body, 415);
      expect(plain.body.message).toMatch(/Content-Type: application\/json/);
      const bare = await t.raw.post(path);
      expect(bare.status).toBe(415);
      expect(bare.body.message).toMatch(/Content-Type: application\/json.*Authorization/);
      const bearer = await t.as(owner).post(path);
      expect(bearer.status).toBe(404);
      expect(bearer.body.message).toMatch(/^Task /);
    });
  });

  describe('OpenAPI and security headers', () => {
    it('keeps Swagger UI and the document public, with the Authorize button', async () => {
      const ui = await t.raw.get('/api/docs').redirects(1).expect(200);
      expect(ui.text).toContain('swagger-ui');
      const doc = (await t.raw.get('/api/docs-json').expect(200)).body;
      expect(doc.components.securitySchemes.bearer).toMatchObject({
        type: 'http',
        scheme: 'bearer',
      });
      const list = doc.paths['/api/page-deployments'].get;
      expect(list.security).toEqual([{ bearer: [] }]);
      expect(Object.keys(list.responses)).toEqual(expect.arrayContaining(['401', '403', '429']));
      const group = doc.paths['/api/page-deployments/{deploymentId}/groups/{studentName}'].get;
      expect(Object.keys(group.responses)).toContain('401');
      expect(Object.keys(group.responses)).not.toContain('403');
      expect(group['x-roles']).toBeUndefined();
      const cancel = doc.paths['/api/deploy/{deploymentId}/behaviors/tasks/{taskId}/cancel'].post;
      expect(cancel.security).toEqual([{ bearer: [] }]);
      expect(Object.keys(cancel.responses)).toContain('415');
    });

    it('sends helmet\u2019s headers and no X-Powered-By', async () => {
      for (const path of ['/api/page-deployments', '/api/docs/']) {
        const res = await t.raw.get(path);
        expect(res.headers['x-powered-by']).toBeUndefined();
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
        expect(res.headers['content-security-policy']).toContain("script-src 'self'");
        expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
      }
    });
  });
});

describe('Tokens signed with a public key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'auth-keys-'));
  const claims = { sub: 'ana', role: 'instructor' };

  it('RS256 with AUTH_JWT_PUBLIC_KEY_FILE', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const path = join(dir, 'rs256.pem');
    writeFileSync(path, publicKey.export({ type: 'spki', format: 'pem' }));
    const t = await startTestApp({ AUTH_JWT_PUBLIC_KEY_FILE: path });
    try {
      const good = await signToken(claims, {
        key: privateKey,
        alg: 'RS256',
        issuer: null,
        audience: null,
      });
      await t.as(good).get('/api/page-deployments').expect(200);
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      const forged = await signToken(claims, { key: other, alg: 'RS256' });
      await t.as(forged).get('/api/page-deployments').expect(401);
      // An HS256 token "signed" with the public key's text must not pass (algorithm confusion).
      const confused = await signToken(claims, {
        key: new TextEncoder().encode(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
      });
      await t.as(confused).get('/api/page-deployments').expect(401);
    } finally {
      await t.close();
    }
  });

  it('ES256 from a local JWKS file, the key chosen by kid', async () => {
    const a = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const b = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const path = join(dir, 'jwks.json');
    writeFileSync(
      path,
      JSON.stringify({
        keys: [
          { ...a.publicKey.export({ format: 'jwk' }), kid: 'a', alg: 'ES256', use: 'sig' },
          { ...b.publicKey.export({ format: 'jwk' }), kid: 'b', alg: 'ES256', use: 'sig' },
        ],
      }),
    );
    const t = await startTestApp({ AUTH_JWKS_FILE: path, AUTH_JWT_AUDIENCE: 'behavior-runner' });
    try {
      const token = await signToken(claims, { key: b.privateKey, alg: 'ES256', kid: 'b' });
      await t.as(token).get('/api/page-deployments').expect(200);
      const wrongKid = await signToken(claims, { key: b.privateKey, alg: 'ES256', kid: 'a' });
      await t.as(wrongKid).get('/api/page-deployments').expect(401);
      const noAudience = await signToken(claims, {
        key: b.privateKey,
        alg: 'ES256',
        kid: 'b',
        audience: null,
      });
      await t.as(noAudience).get('/api/page-deployments').expect(401);
    } finally {
      await t.close();
    }
  });
});

describe('Access control off (development)', () => {
  it('says so in one line at start, and every request acts as an admin', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    let t: TestApp | undefined;
    try {
      t = await startTestApp();
      const lines = warn.mock.calls.filter(([m]) => String(m).includes('Access control is OFF'));
      expect(lines).toEqual([[ACCESS_CONTROL_OFF]]);
      expect(ACCESS_CONTROL_OFF).toMatch(/AUTH_JWT_SECRET/);
      await t.raw.get('/api/page-deployments').expect(200);
    } finally {
      warn.mockRestore();
      await t?.close();
    }
  });

  it('stays quiet about it when a key is set', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const t = await startAuthTestApp();
    try {
      expect(warn.mock.calls.filter(([m]) => String(m).includes('Access control'))).toEqual([]);
    } finally {
      warn.mockRestore();
      await t.close();
    }
  });

  it('still refuses a text/plain cancel; JSON is accepted', async () => {
    const t = await startTestApp();
    try {
      const created = await t.http
        .post('/api/page-deployments')
        .send({ title: 'x', behaviors: BEHAVIORS })
        .expect(201);
      const path = `/api/page-deployments/${created.body.id}/behaviors/tasks/${randomUUID()}/cancel`;
      const plain = await t.raw.post(path).set('Content-Type', 'text/plain').send('{}');
      expect(plain.status).toBe(415);
      expectErrorShape(plain.body, 415);
      const form = await t.raw.delete(`/api/page-deployments/${created.body.id}`);
      expect(form.status).toBe(415);
      await t.raw.post(path).set('Content-Type', 'application/json').expect(404);
      await t.raw.post(path).send({}).expect(404);
    } finally {
      await t.close();
    }
  });
});

describe('CORS', () => {
  const ORIGIN = 'https://app.example.org';

  it('answers only the configured origins', async () => {
    const t = await startTestApp({ CORS_ORIGINS: `${ORIGIN},http://localhost:5173` });
    try {
      const preflight = await t.raw
        .options('/api/page-deployments')
        .set('Origin', ORIGIN)
        .set('Access-Control-Request-Method', 'DELETE')
        .set('Access-Control-Request-Headers', 'authorization,content-type');
      expect(preflight.status).toBeLessThan(300);
      expect(preflight.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(preflight.headers['access-control-allow-headers']).toMatch(/Authorization/i);
      const evil = await t.raw
        .options('/api/page-deployments')
        .set('Origin', 'https://evil.example')
        .set('Access-Control-Request-Method', 'DELETE');
      expect(evil.headers['access-control-allow-origin']).toBeUndefined();
      const get = await t.http.get('/api/page-deployments').set('Origin', 'https://evil.example');
      expect(get.headers['access-control-allow-origin']).toBeUndefined();
      // A frontend on an allowed origin may read what it needs to report or retry a request.
      const ok = await t.http.get('/api/page-deployments').set('Origin', ORIGIN);
      expect(ok.headers['access-control-allow-origin']).toBe(ORIGIN);
      const exposed = String(ok.headers['access-control-expose-headers']).split(/,\s*/);
      expect(exposed).toEqual(expect.arrayContaining(['Retry-After', 'X-Request-Id']));
      expect(ok.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await t.close();
    }
  });

  it('sends no CORS headers when CORS_ORIGINS is unset', async () => {
    const t = await startTestApp();
    try {
      const res = await t.http.get('/api/page-deployments').set('Origin', ORIGIN);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});

describe('Rate limits', () => {
  it('answers 429 with Retry-After and the error shape past the limit, per subject and per IP', async () => {
    const t = await startAuthTestApp({ RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const token = await t.token({ sub: `ana-${randomUUID()}`, role: 'instructor' });
      for (let i = 0; i < 3; i++) await t.as(token).get('/api/page-deployments').expect(200);
      const res = await t.as(token).get('/api/page-deployments').expect(429);
      expectErrorShape(res.body, 429);
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // Requests without a token count against the address too.
      const anonymous = await t.raw.get('/api/page-deployments');
      expect(anonymous.status).toBe(429);
    } finally {
      await t.close();
    }
  });

  it('counts an address across subjects, and names the limit that was reached', async () => {
    const t = await startAuthTestApp({ RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const ana = await t.token({ sub: `ana-${randomUUID()}`, role: 'instructor' });
      const bo = await t.token({ sub: `bo-${randomUUID()}`, role: 'instructor' });
      for (let i = 0; i < 2; i++) await t.as(ana).get('/api/page-deployments').expect(200);
      await t.as(bo).get('/api/page-deployments').expect(200);
      // Bo's second request is within his own limit, not within the address's (its fourth).
      const res = await t.as(bo).get('/api/page-deployments').expect(429);
      expect(res.body.message).toMatch(/^Too many requests: at most 3 a minute per IP address; /);
    } finally {
      await t.close();
    }
  });

  it('is off with RATE_LIMIT_PER_MINUTE=0', async () => {
    const t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '0' });
    try {
      for (let i = 0; i < 5; i++) await t.http.get('/api/page-deployments').expect(200);
    } finally {
      await t.close();
    }
  });
});
