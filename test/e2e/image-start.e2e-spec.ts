/**
 * The container's start commands, run outside Docker (no engine runs where the tests run): the
 * Dockerfile's CMD for the API and docker-compose.yml's command for a worker, from the built
 * dist/ as the image has it, with the image's ENV (NODE_ENV=production) and the compose file's
 * environment. Only what cannot be the same here differs: the Redis (the one the test run
 * started), a free port, loopback instead of 0.0.0.0, and a fresh secret.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testRedisUrl } from '../support/app';
import { signToken } from '../support/auth';
import {
  dockerfileStages,
  loadCompose,
  ROOT,
  serviceEnv,
  stageCmd,
  stageEnv,
} from '../support/deploy-files';
import { freePort } from '../support/redis-server';

interface Started {
  child: ChildProcess;
  output(): string;
  exited: Promise<void>;
}

/** Starts a command in the repository folder (the image's WORKDIR) with only the given env. */
async function startCommand(
  command: string[],
  env: Record<string, string>,
  readyLine: string,
): Promise<Started> {
  const [file, ...args] = command;
  const child = spawn(file, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 60_000;
  while (!out.includes(readyLine)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${command.join(' ')} did not print "${readyLine}":\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, output: () => out, exited };
}

async function stop(p: Started | undefined): Promise<void> {
  if (p === undefined || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
  await p.exited;
  clearTimeout(timer);
}

describe('The image start commands, outside Docker', () => {
  const run = dockerfileStages().at(-1);
  const compose = loadCompose();
  let api: Started | undefined;
  let worker: Started | undefined;
  let base = '';
  let token = '';

  beforeAll(async () => {
    if (run === undefined) throw new Error('Dockerfile has no stage');
    // `npm test` builds first (pretest); a direct jest run on a clean clone builds here.
    if (!existsSync(join(ROOT, 'dist/main.js')) || !existsSync(join(ROOT, 'dist/worker.js'))) {
      const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, timeout: 180_000 });
      if (build.status !== 0) throw new Error(`npm run build failed:\n${String(build.stderr)}`);
    }
    const port = await freePort();
    const secret = randomBytes(48).toString('base64');
    const shared = {
      PATH: process.env.PATH ?? '',
      HOME: tmpdir(),
      ...stageEnv(run),
      REDIS_URL: testRedisUrl(),
      KEY_PREFIX: `img-${randomUUID().slice(0, 8)}`,
    };
    base = `http://127.0.0.1:${port}`;
    api = await startCommand(
      stageCmd(run),
      {
        ...serviceEnv(compose.services.api),
        ...shared,
        // Listening on every interface is the container's business; here only loopback.
        HOST: '127.0.0.1',
        PORT: String(port),
        AUTH_JWT_SECRET: secret,
      },
      'Listening on',
    );
    const workerCommand = compose.services.worker.command;
    if (!Array.isArray(workerCommand)) throw new Error('the worker command is not a list');
    worker = await startCommand(
      workerCommand,
      {
        ...serviceEnv(compose.services.worker),
        ...shared,
        WORKER_READY_FILE: join(mkdtempSync(join(tmpdir(), 'worker-ready-')), 'ready'),
      },
      'Worker started',
    );
    token = await signToken(
      { sub: 'teacher-1', role: 'instructor' },
      { key: new TextEncoder().encode(secret), issuer: null, audience: null },
    );
  }, 240_000);

  afterAll(async () => {
    await stop(worker);
    await stop(api);
  });

  it('serves the OpenAPI document, in production mode, without embedded workers', async () => {
    const res = await fetch(`${base}/api/docs-json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi?: string; paths?: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths ?? {})).toContain('/api/page-deployments');
    expect(api?.output()).toContain('without workers');
    // Production refuses anonymous calls: the compose file's secret is in force.
    expect((await fetch(`${base}/api/page-deployments`)).status).toBe(401);
  });

  it('runs group assignment for the sample class in the separate worker process', async () => {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${base}/api/page-deployments`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        title: 'Image start check',
        behaviors: { '1': { type: 'group_assignment', config: { group_size: 4 } } },
      }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const upload = await fetch(`${base}/api/page-deployments/${id}/submissions`, {
      method: 'PUT',
      headers,
      body: readFileSync(join(ROOT, 'examples/class.json'), 'utf8'),
    });
    expect(upload.status).toBe(200);
    const trigger = await fetch(`${base}/api/page-deployments/${id}/behaviors/trigger`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ behavior_number: '1' }),
    });
    expect(trigger.status).toBe(202);
    const { task_id: taskId } = (await trigger.json()) as { task_id: string };
    let state = '';
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && state !== 'SUCCESS' && state !== 'FAILURE') {
      await new Promise((r) => setTimeout(r, 200));
      const status = await fetch(`${base}/api/page-deployments/${id}/behaviors/tasks/${taskId}`, {
        headers,
      });
      state = ((await status.json()) as { state: string }).state;
    }
    // Only the worker process serves this key prefix's queues: the API has no workers.
    expect(state).toBe('SUCCESS');
  });
});
