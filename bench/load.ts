// A load of many concurrent requests for bench:api --compare, from wrk when it is installed (the
// tool the API-speed issue measured its baseline with; Debian: `apt-get install wrk`), else from
// autocannon. wrk is written in C: on a 2-core machine the load generator shares the cores with
// the service and Redis, and autocannon, a Node process, takes a larger share per request, which
// should cap a faster build more than a slower one (docs/benchmarks.md: the measured difference
// is within this VM's noise). The table says which one ran.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import autocannon from 'autocannon';

/** A GET of `path`, or a POST of `body` (JSON) to it. */
export interface LoadRequest {
  path: string;
  body?: string;
}

export interface LoadOptions {
  base: string;
  connections: number;
  durationS: number;
  headers: Record<string, string>;
  /** Start the list over at its end (status reads); else each request goes out at most once. */
  wrap: boolean;
}

export interface LoadResult {
  rps: number;
  p99Ms: number;
  /** Non-2xx answers and socket errors. */
  failures: number;
  /** How many requests from the start of the list went out (the next load starts after them). */
  used: number;
  /** The list ran out before the load ended (never with `wrap`). */
  ranOut: boolean;
}

export type LoadTool = 'wrk' | 'autocannon';

const WRK_THREADS = 2;
const ROOT = join(__dirname, '..', '..');

/** BENCH_LOAD=wrk|autocannon chooses; by default wrk where it is installed. */
export function loadTool(): LoadTool {
  const asked = process.env.BENCH_LOAD;
  if (asked === 'wrk' || asked === 'autocannon') return asked;
  return spawnSync('wrk', ['--version']).error === undefined ? 'wrk' : 'autocannon';
}

export function describeTool(tool: LoadTool, connections: number): string {
  return tool === 'wrk'
    ? `wrk with ${WRK_THREADS} threads and ${connections} connections`
    : `autocannon with ${connections} connections (wrk was not installed)`;
}

export function runLoad(
  tool: LoadTool,
  requests: readonly LoadRequest[],
  o: LoadOptions,
): Promise<LoadResult> {
  return tool === 'wrk' ? wrkLoad(requests, o) : autocannonLoad(requests, o);
}

async function wrkLoad(requests: readonly LoadRequest[], o: LoadOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-wrk-'));
  try {
    const list = join(dir, 'requests.txt');
    // A tab separates path and body: neither a path nor JSON.stringify's output contains one.
    writeFileSync(
      list,
      requests.map((r) => (r.body === undefined ? r.path : `${r.path}\t${r.body}`)).join('\n'),
    );
    const args = ['-t', String(WRK_THREADS), '-c', String(o.connections), '-d', `${o.durationS}s`];
    args.push('--latency', '-s', join(ROOT, 'bench', 'wrk', 'requests.lua'), o.base);
    const { stdout } = await promisify(execFile)('wrk', args, {
      env: {
        ...process.env,
        WRK_REQUESTS: list,
        WRK_THREADS: String(WRK_THREADS),
        WRK_WRAP: o.wrap ? '1' : '0',
        WRK_AUTH: o.headers.authorization ?? '',
      },
    });
    const r = parseWrk(stdout);
    return o.wrap ? { ...r, ranOut: false } : r;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads wrk's report (with --latency, and our script's last line). */
export function parseWrk(out: string): LoadResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const p99 = /^\s*99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(out);
  const last = /LAST_INDEX (-?\d+) OF (\d+)/.exec(out);
  if (rps === null || p99 === null || last === null)
    throw new Error(`unreadable wrk report:\n${out}`);
  const scale = { us: 0.001, ms: 1, s: 1000 }[p99[2] as 'us' | 'ms' | 's'];
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = socket === null ? 0 : socket.slice(1).reduce((a, n) => a + Number(n), 0);
  const highest = Number(last[1]);
  return {
    rps: Number(rps[1]),
    p99Ms: Number(p99[1]) * scale,
    failures: non2xx + errors,
    used: highest + 1,
    ranOut: highest + 1 >= Number(last[2]),
  };
}

function autocannonLoad(requests: readonly LoadRequest[], o: LoadOptions): Promise<LoadResult> {
  let next = 0;
  let ranOut = false;
  const opts: autocannon.Options = {
    url: o.base,
    connections: o.connections,
    duration: o.durationS,
    requests: [
      {
        setupRequest: (req) => {
          if (next >= requests.length) {
            if (o.wrap) next = 0;
            else ranOut = true;
          }
          const r = requests[Math.min(next++, requests.length - 1)];
          const headers =
            r.body === undefined ? o.headers : { ...o.headers, 'content-type': 'application/json' };
          const method = r.body === undefined ? 'GET' : 'POST';
          return { ...req, method, path: r.path, headers, body: r.body };
        },
      },
    ],
  };
  return new Promise((resolve, reject) => {
    autocannon(opts, (err: Error | null, r) => {
      if (err) return reject(err);
      resolve({
        rps: r.requests.average,
        p99Ms: r.latency.p99,
        failures: r.errors + r.non2xx,
        used: Math.min(next, requests.length),
        ranOut,
      });
    });
  });
}
