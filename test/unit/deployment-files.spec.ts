/**
 * No Docker engine runs where the tests run, so the container files are checked as files:
 * docker-compose.yml against the Compose Specification's JSON schema (the copy the `dclint`
 * package ships) plus what this service needs from it, and the Dockerfile's stages.
 * test/e2e/image-start.e2e-spec.ts runs the image's start commands outside Docker.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ComposeService,
  dockerfileStages,
  loadCompose,
  ROOT,
  serviceEnv,
  stageCmd,
  stageEnv,
  validateCompose,
} from '../support/deploy-files';

const healthTest = (s: ComposeService) =>
  Array.isArray(s.healthcheck?.test) ? s.healthcheck.test.join(' ') : (s.healthcheck?.test ?? '');

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    expect(() => loadCompose()).not.toThrow();
  });

  it('the schema check refuses a service with an unknown key or a wrong type', () => {
    expect(validateCompose({ services: { api: { image: 'x', restart_policy: 'always' } } })).toBe(
      false,
    );
    expect(validateCompose({ services: { api: { image: 'x', ports: 'not-a-list' } } })).toBe(false);
  });

  it('runs Redis (pinned, append-only, on a volume), the API and two workers', () => {
    const { services, volumes } = loadCompose();
    expect(Object.keys(services).sort()).toEqual(['api', 'redis', 'worker']);
    const redis = services.redis;
    expect(redis.image).toMatch(/^redis:\d+\.\d+\.\d+(-alpine[\d.]*)?$/);
    const command = Array.isArray(redis.command) ? redis.command.join(' ') : redis.command;
    expect(command).toMatch(/--appendonly yes/);
    expect(command).toMatch(/--maxmemory-policy noeviction/);
    const dataVolume = (redis.volumes ?? []).find((v) =>
      typeof v === 'string' ? v.endsWith(':/data') : v.target === '/data',
    );
    expect(typeof dataVolume === 'string' ? dataVolume.split(':')[0] : '').toBe('redis-data');
    expect(volumes).toHaveProperty('redis-data');
    expect(services.worker.deploy?.replicas).toBe(2);
  });

  it('builds one image, once, and every app service runs it', () => {
    const { services } = loadCompose();
    const builders = Object.entries(services).filter(([, s]) => s.build !== undefined);
    expect(builders.map(([name]) => name)).toEqual(['api']);
    const image = services.api.image;
    expect(image).toBeDefined();
    expect(services.worker.image).toBe(image);
    expect(services.worker.pull_policy).toBe('never');
    expect(services.api.command).toEqual(['node', 'dist/main.js']);
    expect(services.worker.command).toEqual(['node', 'dist/worker.js']);
  });

  it('restarts every service and health-checks each one', () => {
    const { services } = loadCompose();
    for (const [name, service] of Object.entries(services)) {
      expect([name, service.restart]).toEqual([name, 'unless-stopped']);
      expect([name, service.healthcheck?.disable ?? false]).toEqual([name, false]);
      expect([name, healthTest(service)]).toEqual([name, expect.stringMatching(/^CMD /)]);
    }
    expect(healthTest(services.api)).toContain('/health/');
    expect(healthTest(services.api)).toContain("'live', 'ready'");
    expect(healthTest(services.worker)).toContain(serviceEnv(services.worker).WORKER_READY_FILE);
    for (const name of ['api', 'worker'])
      expect(services[name].depends_on).toEqual({ redis: { condition: 'service_healthy' } });
  });

  it('wires the API and workers to the redis service, the API on all interfaces, workers off', () => {
    const { services } = loadCompose();
    const api = serviceEnv(services.api);
    const worker = serviceEnv(services.worker);
    expect(api.REDIS_URL).toBe('redis://redis:6379');
    expect(worker.REDIS_URL).toBe(api.REDIS_URL);
    expect(worker.KEY_PREFIX).toBe(api.KEY_PREFIX);
    expect(api.EMBEDDED_WORKERS).toBe('false');
    expect(api.HOST).toBe('0.0.0.0');
    // The image runs with NODE_ENV=production, which needs a key source: Compose must ask for one.
    expect(api.AUTH_JWT_SECRET).toMatch(/^\$\{AUTH_JWT_SECRET:\?.+\}$/);
  });
});

describe('Dockerfile', () => {
  const stages = dockerfileStages();
  const run = stages[stages.length - 1];

  it('builds in one stage and runs from a second one, as an unprivileged user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(run.from).toMatch(/^node:24/);
    const user = run.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    // Everything the run stage has came from the build stage: no source, tests or benchmarks.
    const copies = run.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) expect(copy).toMatch(/^--from=build /);
    expect(copies.join(' ')).not.toMatch(/bench|test/);
    expect(stageEnv(run)).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0' });
    expect(stageCmd(run)).toEqual(['node', 'dist/main.js']);
  });

  it('copies only the sources into the build stage, and .dockerignore keeps tests and benchmarks out', () => {
    const sources = stages[0].instructions
      .filter((i) => i.keyword === 'COPY')
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(sources.sort()).toEqual(
      [
        'package.json',
        'package-lock.json',
        '.npmrc',
        'nest-cli.json',
        'tsconfig.json',
        'tsconfig.build.json',
        'src',
      ].sort(),
    );
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const path of ['bench', 'dist-bench', 'test', 'node_modules', 'dist', '.data'])
      expect(ignored).toContain(path);
  });
});

describe('The healthcheck commands', () => {
  const compose = loadCompose();
  /** The CMD's argv (after `CMD`), run here with this Node in place of the image's `node`. */
  const argv = (service: ComposeService, replace: [string, string]) => {
    const test = service.healthcheck?.test;
    if (!Array.isArray(test) || test[0] !== 'CMD' || test[1] !== 'node')
      throw new Error('the healthcheck is not ["CMD", "node", ...]');
    return test.slice(2).map((a) => a.split(replace[0]).join(replace[1]));
  };
  const exitCode = (args: string[]) =>
    new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, args, { stdio: 'ignore' });
      child.once('exit', (code) => resolve(code));
    });

  it("the API's passes only when /health/live and /health/ready both answer 200", async () => {
    let ready = 200;
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.statusCode = req.url === '/health/ready' ? ready : req.url === '/health/live' ? 200 : 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    // The command asks port 3000 inside the container; here the stub's port stands in for it.
    const args = argv(compose.services.api, ['127.0.0.1:3000', `127.0.0.1:${port}`]);
    try {
      expect(await exitCode(args)).toBe(0);
      expect([...seen].sort()).toEqual(['/health/live', '/health/ready']);
      ready = 503;
      expect(await exitCode(args)).toBe(1);
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(await exitCode(args)).toBe(1);
  });

  it("a worker's passes only while its heartbeat file is fresh", async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'worker-health-')), 'ready');
    const target = serviceEnv(compose.services.worker).WORKER_READY_FILE;
    const args = argv(compose.services.worker, [target, file]);
    expect(await exitCode(args)).toBe(1);
    writeFileSync(file, '');
    expect(await exitCode(args)).toBe(0);
    const stale = new Date(Date.now() - 60_000);
    utimesSync(file, stale, stale);
    expect(await exitCode(args)).toBe(1);
  });
});
