import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisStartupProblem, probeRedis } from '../../src/redis/redis-probe';
import { createDeployment, pollUntilDone, startTestApp, TestApp } from '../support/app';
import { freePort } from '../support/redis-server';

/** A throwaway CA and a server certificate for 127.0.0.1 signed by it, made with openssl. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const ssl = (...args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=test CA',
  );
  ssl(
    'req',
    '-new',
    ...ec,
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  );
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  ssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'san.ext',
    '-out',
    'server.pem',
  );
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
}

const haveOpenssl = spawnSync('openssl', ['version']).status === 0;

// Certificates need the openssl command; without it this suite says so and is skipped.
(haveOpenssl ? describe : describe.skip)(
  'The service on a rediss:// Redis with REDIS_TLS_CA',
  () => {
    let dir: string;
    let files: ReturnType<typeof makeCertificates>;
    let port: number;
    let server: ChildProcess;
    let t: TestApp;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'behavior-runner-tls-'));
      files = makeCertificates(dir);
      port = await freePort();
      server = spawn(
        'redis-server',
        [
          '--port',
          '0',
          '--tls-port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--tls-cert-file',
          files.cert,
          '--tls-key-file',
          files.key,
          '--tls-ca-cert-file',
          files.ca,
          '--tls-auth-clients',
          'no',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
        ],
        { stdio: 'ignore' },
      );
      const ca = readFileSync(files.ca, 'utf8');
      const deadline = Date.now() + 10_000;
      while (
        (await probeRedis({ host: '127.0.0.1', port, tls: true, tlsCa: ca }, 500)).kind !== 'redis'
      ) {
        if (server.exitCode !== null)
          throw new Error(`redis-server (TLS) exited with ${server.exitCode}`);
        if (Date.now() > deadline) throw new Error('redis-server (TLS) did not answer within 10 s');
        await new Promise((r) => setTimeout(r, 50));
      }
      t = await startTestApp({ REDIS_URL: `rediss://127.0.0.1:${port}/1`, REDIS_TLS_CA: files.ca });
    });
    afterAll(async () => {
      await t?.close();
      if (server?.exitCode === null) {
        server.kill('SIGTERM');
        await new Promise((r) => server.once('exit', r));
      }
    });

    it('passes the start-up check only with the CA', async () => {
      const ca = readFileSync(files.ca, 'utf8');
      expect(await redisStartupProblem(`rediss://127.0.0.1:${port}`, ca)).toBeNull();
      expect(await redisStartupProblem(`rediss://127.0.0.1:${port}`)).toMatch(
        new RegExp(`^TLS with Redis at 127\\.0\\.0\\.1:${port} failed \\(.*certificate.*\\)`),
      );
    });

    it('stores deployments and runs behaviors over TLS', async () => {
      expect(t.config.redisTlsCa).toContain('BEGIN CERTIFICATE');
      const id = await createDeployment(t, { '1': { type: 'group_assignment' } });
      await t.http.get(`/api/page-deployments/${id}`).expect(200);
      const { body } = await t.http
        .post(`/api/page-deployments/${id}/behaviors/trigger`)
        .send({ behavior_number: '1' })
        .expect(202);
      const last = (await pollUntilDone(t, id, body.task_id)).at(-1)!;
      expect(last.state).toBe('SUCCESS');
    });
  },
);
