// What the benchmarks that drive the running service share: a free loopback port, starting the
// API process (built by tsconfig.bench.json into dist-bench/), JSON calls.
import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const HOST = '127.0.0.1';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const a = srv.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts `src/main.js` on a free loopback port and waits until it answers. */
export async function startApi(
  redisUrl: string,
  env: Record<string, string>,
  options: { entry?: string; stdout?: number } = {},
): Promise<{ base: string; proc: ChildProcess }> {
  const port = await freePort();
  const entry = options.entry ?? join(__dirname, '../src/main.js');
  const proc = spawn(process.execPath, [entry], {
    env: {
      ...process.env,
      REDIS_URL: redisUrl,
      PORT: String(port),
      HOST,
      LOG_LEVEL: 'warn',
      // The test behavior is built with this checkout's benchmarks; another build goes without.
      ...(options.entry
        ? {}
        : { BEHAVIOR_MODULES: join(__dirname, '../test/support/test-sleep.behavior.js') }),
      EMBEDDING_PROVIDER: 'lexical',
      ...env,
    },
    // Logs go where they are asked to (a file, when their cost is part of the measure).
    stdio: ['ignore', options.stdout ?? 'inherit', 'inherit'],
  });
  const base = `http://${HOST}:${port}`;
  let exited = false;
  proc.once('exit', () => (exited = true));
  for (let i = 0; i < 300 && !exited; i++) {
    try {
      // Any HTTP answer means it listens (401 when access control is on).
      if ((await fetch(`${base}/api/docs-json`)).status < 500) return { base, proc };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill('SIGTERM');
  throw new Error('API did not start');
}

export async function json<T>(res: Response): Promise<T> {
  if (!res.ok && res.status !== 202) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Sent with every call when set: a bearer token, for runs with access control on. */
export const auth: { header: Record<string, string> } = { header: {} };

export const post = (url: string, body: unknown, method = 'POST') =>
  fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...auth.header },
    body: JSON.stringify(body),
  });

export const get = (url: string) => fetch(url, { headers: auth.header });

export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
