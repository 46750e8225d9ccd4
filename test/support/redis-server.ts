import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisAnswers } from '../../src/redis/private-redis';
import { probeRedis } from '../../src/redis/redis-probe';

/** A free TCP port on loopback, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface TestRedis {
  port: number;
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface TestRedisOptions {
  /** Bring a server back on this port (a restart) instead of taking a free one. */
  port?: number;
  /** Keep data in this folder with append-only persistence, so a restart keeps it. */
  persistDir?: string;
  /** Require this password (AUTH); the url then carries it. */
  requirepass?: string;
}

/**
 * Starts a throwaway redis-server on a free port: the tests never touch a Redis they did not
 * start.
 */
export async function startTestRedis(
  options: TestRedisOptions = {},
): Promise<TestRedis & { dir: string }> {
  const port = options.port ?? (await freePort());
  const dir = options.persistDir ?? mkdtempSync(join(tmpdir(), 'behavior-runner-redis-'));
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      options.persistDir ? 'yes' : 'no',
      '--appendfsync',
      'always',
      '--dir',
      dir,
      ...(options.requirepass === undefined ? [] : ['--requirepass', options.requirepass]),
    ],
    { stdio: 'ignore' },
  );
  let failed: Error | null = null;
  child.once('error', (err) => (failed = err));
  const deadline = Date.now() + 10_000;
  // With a password, PING answers -NOAUTH rather than +PONG: that is Redis up all the same.
  const up = async () =>
    options.requirepass === undefined
      ? redisAnswers('127.0.0.1', port)
      : (await probeRedis({ host: '127.0.0.1', port }, 500)).kind === 'redis';
  while (!(await up())) {
    if (failed !== null || child.exitCode !== null) {
      throw new Error(
        'Could not start redis-server for the tests: install it (apt-get install -y redis-server) ' +
          `(${failed === null ? `exit code ${child.exitCode}` : (failed as Error).message})`,
      );
    }
    if (Date.now() > deadline) throw new Error('redis-server did not answer within 10 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    dir,
    url:
      options.requirepass === undefined
        ? `redis://127.0.0.1:${port}`
        : `redis://:${encodeURIComponent(options.requirepass)}@127.0.0.1:${port}`,
    process: child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
