import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { resolve } from 'node:path';

/** True when something at host:port answers PING like Redis does. */
export function redisAnswers(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ host, port });
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => finish(data.toString().startsWith('+PONG')));
  });
}

export function redisServerInstalled(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export interface PrivateRedis {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts a redis-server of our own with append-only persistence under `dataDir`, for a
 * machine that has Redis installed but not running. It lives as long as this process.
 */
export async function startPrivateRedis(
  host: string,
  port: number,
  dataDir: string,
  /** Append-only persistence; off only for throwaway servers (benchmarks). */
  persistent = true,
): Promise<PrivateRedis> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    'redis-server',
    [
      '--bind',
      host,
      '--port',
      String(port),
      '--dir',
      dir,
      '--appendonly',
      persistent ? 'yes' : 'no',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
      '--daemonize',
      'no',
      '--logfile',
      'redis.log',
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Resolves once redis-server has ended (it flushes its append-only file first), so the
  // process that started it never exits leaving it behind; SIGKILL after 5 s.
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  process.once('exit', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`redis-server exited with code ${child.exitCode} (see ${dir}/redis.log)`);
    if (await redisAnswers(host, port)) return { url: `redis://${host}:${port}`, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error('redis-server did not answer within 10 s');
}
