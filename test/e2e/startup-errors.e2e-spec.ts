import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer, Server } from 'node:net';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/app-config';
import {
  checkCanListen,
  exitOnStartupError,
  listenFailure,
  StartupFailure,
} from '../../src/config/startup-failure';
import { probeRedis, redisStartupProblem } from '../../src/redis/redis-probe';
import { startTestApp, testRedisUrl } from '../support/app';
import { freePort, startTestRedis, TestRedis } from '../support/redis-server';

// Entry points run from source through ts-node, which takes seconds to start on a busy machine.
jest.setTimeout(120_000);

const SRC = join(__dirname, '../../src');

async function listening(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

function close(server: Server | ReturnType<typeof createHttpServer>): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Runs an entry point from the current source (ts-node, transpile only) with only PATH and `env`
 * set; resolves with its exit and output.
 */
function run(
  entry: 'main.js' | 'worker.js',
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const source = join(SRC, entry.replace(/\.js$/, '.ts'));
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', source], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

describe('Start-up failures end in one clear line', () => {
  let http: ReturnType<typeof createHttpServer>;
  let httpPort: number;
  let silent: Server;
  let silentPort: number;
  let hangUp: Server;
  let hangUpPort: number;
  let authRedis: TestRedis;

  beforeAll(async () => {
    http = createHttpServer((_req, res) => res.end('hello'));
    httpPort = await listening(http);
    // Reads (so it sees the client leave) but never answers.
    silent = createServer((socket) => socket.resume());
    silentPort = await listening(silent);
    hangUp = createServer((socket) => socket.destroy());
    hangUpPort = await listening(hangUp);
    authRedis = await startTestRedis({ requirepass: 'probe-secret' });
  });
  afterAll(async () => {
    await Promise.all([close(http), close(silent), close(hangUp), authRedis.stop()]);
  });

  describe('redisStartupProblem', () => {
    it('names an HTTP server on the Redis port', async () => {
      expect(await redisStartupProblem(`redis://:pw@127.0.0.1:${httpPort}/2`)).toBe(
        `Something other than Redis answers at 127.0.0.1:${httpPort} ` +
          '(it answered PING with "HTTP/1.1 400 Bad Request"): check REDIS_URL, or stop the ' +
          'program that holds that port',
      );
    });

    it('names a server that stays silent or hangs up', async () => {
      expect(await redisStartupProblem(`redis://127.0.0.1:${silentPort}`, null, 300)).toBe(
        `Something other than Redis answers at 127.0.0.1:${silentPort} ` +
          '(no answer to PING within 300 ms): check REDIS_URL, or stop the program that holds that port',
      );
      expect(await redisStartupProblem(`redis://127.0.0.1:${hangUpPort}`)).toMatch(
        /^Something other than Redis answers at 127\.0\.0\.1:\d+ \(it closed the connection/,
      );
    });

    it('lets Redis through, with or without a password, and a Redis not up yet', async () => {
      expect(await redisStartupProblem(testRedisUrl())).toBeNull();
      expect(await probeRedis({ host: '127.0.0.1', port: authRedis.port })).toEqual({
        kind: 'redis',
      });
      expect(await redisStartupProblem(authRedis.url)).toBeNull();
      const nobody = await freePort();
      expect(await probeRedis({ host: '127.0.0.1', port: nobody })).toEqual({
        kind: 'unreachable',
        reason: 'ECONNREFUSED',
      });
      expect(await redisStartupProblem(`redis://127.0.0.1:${nobody}`)).toBeNull();
    });

    it('names a rediss:// URL whose server does not speak TLS', async () => {
      const port = new URL(testRedisUrl()).port;
      expect(await redisStartupProblem(`rediss://127.0.0.1:${port}`)).toMatch(
        new RegExp(`^TLS with Redis at 127\\.0\\.0\\.1:${port} failed \\(.+\\): check that`),
      );
    });
  });

  describe('the HTTP port already in use', () => {
    it('is found before the app is built', async () => {
      const busy = createServer();
      const port = await listening(busy);
      try {
        await expect(checkCanListen('127.0.0.1', port)).rejects.toThrow(
          new StartupFailure(
            `Port ${port} on 127.0.0.1 is already in use: stop the other program or set PORT`,
          ),
        );
        await expect(checkCanListen('127.0.0.1', await freePort())).resolves.toBeUndefined();
      } finally {
        await close(busy);
      }
    });

    it("is named when the app's own listen fails", async () => {
      const busy = createServer();
      const port = await listening(busy);
      const t = await startTestApp();
      try {
        const failure = await t.app.listen(port, '127.0.0.1').then(
          () => null,
          (err: unknown) => listenFailure(err, '127.0.0.1', port),
        );
        expect(failure?.message).toBe(
          `Port ${port} on 127.0.0.1 is already in use: stop the other program or set PORT`,
        );
      } finally {
        await t.close();
        await close(busy);
      }
    });
  });

  it('exitOnStartupError prints known failures alone and exits 1', () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${String(code)}`);
    });
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(() => exitOnStartupError(new StartupFailure('Port 1 is busy'))).toThrow('exit 1');
      expect(() => exitOnStartupError(new ConfigError(['A="b": c', 'D="e": f']))).toThrow('exit 1');
      expect(error.mock.calls).toEqual([['Port 1 is busy'], ['A="b": c\nD="e": f']]);
      expect(exit).toHaveBeenCalledWith(1);
    } finally {
      exit.mockRestore();
      error.mockRestore();
    }
  });

  describe('the entry points, run as node runs them', () => {
    it('main.js: a bad variable exits 1 with one line and no stack', async () => {
      const r = await run('main.js', { PORT: 'abc', REDIS_URL: testRedisUrl() });
      expect(r).toEqual({
        code: 1,
        stdout: '',
        stderr: 'PORT="abc": must be a whole number from 0 to 65535, in digits only\n',
      });
    });

    it('main.js: NODE_ENV=production without a key exits 1 with one line', async () => {
      const r = await run('main.js', { NODE_ENV: 'production', REDIS_URL: testRedisUrl() });
      expect(r).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'NODE_ENV="production": needs AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY_FILE or AUTH_JWKS_FILE: access control may not be off in production\n',
      });
    });

    it('main.js: a busy port exits 1 with one line', async () => {
      const busy = createServer();
      const port = await listening(busy);
      try {
        const r = await run('main.js', {
          PORT: String(port),
          HOST: '127.0.0.1',
          REDIS_URL: testRedisUrl(),
        });
        expect(r).toEqual({
          code: 1,
          stdout: '',
          stderr: `Port ${port} on 127.0.0.1 is already in use: stop the other program or set PORT\n`,
        });
      } finally {
        await close(busy);
      }
    });

    it.each(['main.js', 'worker.js'] as const)(
      '%s: an HTTP server at REDIS_URL exits 1 with one line',
      async (entry) => {
        const r = await run(entry, {
          PORT: String(await freePort()),
          REDIS_URL: `redis://:hunter2@127.0.0.1:${httpPort}`,
        });
        expect(r.code).toBe(1);
        expect(r.stdout).toBe('');
        expect(r.stderr).toBe(
          `Something other than Redis answers at 127.0.0.1:${httpPort} ` +
            '(it answered PING with "HTTP/1.1 400 Bad Request"): check REDIS_URL, or stop the ' +
            'program that holds that port\n',
        );
      },
    );
  });
});
