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
): Promise<{ base: string; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(process.execPath, [join(__dirname, '../src/main.js')], {
    env: {
      ...process.env,
      REDIS_URL: redisUrl,
      PORT: String(port),
      HOST,
      LOG_LEVEL: 'warn',
      BEHAVIOR_MODULES: join(__dirname, '../test/support/test-sleep.behavior.js'),
      EMBEDDING_PROVIDER: 'lexical',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://${HOST}:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${base}/api/page-deployments`)).ok) return { base, proc };
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

export const post = (url: string, body: unknown, method = 'POST') =>
  fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
