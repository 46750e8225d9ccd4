import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// `npm start` on a machine with no Redis: it starts a private redis-server, then a signal to npm
// or to node must stop the API, its workers and that redis-server. A network namespace of its
// own gives it a free 127.0.0.1:6379 (it needs root or user namespaces; skipped without them).
const ROOT = join(__dirname, '../..');
const canUnshare = spawnSync('unshare', ['-n', 'true']).status === 0;
const maybe = canUnshare ? describe : describe.skip;
if (!canUnshare) console.warn('process-lifecycle: skipped (cannot create a network namespace)');

function parentOf(pid: number): number | null {
  try {
    // Fields after the command name, which is in parentheses and may hold spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function descendants(root: number): number[] {
  const all = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
  const out: number[] = [];
  let frontier = [root];
  while (frontier.length > 0) {
    const next = all.filter((p) => frontier.includes(parentOf(p) ?? -1));
    out.push(...next);
    frontier = next;
  }
  return out;
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

async function startService(npmArgs: string[]): Promise<{ npm: ChildProcess; log: () => string }> {
  // No REDIS_URL: the service looks for Redis on 127.0.0.1:6379 and, finding none, starts one.
  const env: NodeJS.ProcessEnv = { ...process.env, EMBEDDING_PROVIDER: 'lexical', NO_COLOR: '1' };
  delete env.REDIS_URL;
  // `exec` keeps npm the direct child, so the pid we signal is npm's own.
  const npm = spawn(
    'unshare',
    ['-n', 'sh', '-c', `ip link set lo up && exec npm ${npmArgs.join(' ')}`],
    {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  npm.stdout.on('data', (c: Buffer) => (out += c.toString()));
  npm.stderr.on('data', (c: Buffer) => (out += c.toString()));
  // The first case builds first (nest build type-checks): minutes on a busy 2-core machine.
  const deadline = Date.now() + 240_000;
  while (!/Listening on/.test(out)) {
    if (npm.exitCode !== null || Date.now() > deadline)
      throw new Error(`npm start did not come up:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { npm, log: () => out };
}

maybe('Stopping `npm start`', () => {
  const cases: [string, string[], 'npm' | 'node', NodeJS.Signals][] = [
    ['SIGTERM to npm (after the build npm start runs first)', ['start'], 'npm', 'SIGTERM'],
    ['SIGINT to npm', ['start', '--ignore-scripts'], 'npm', 'SIGINT'],
    ['SIGTERM to node', ['start', '--ignore-scripts'], 'node', 'SIGTERM'],
  ];
  it.each(cases)(
    '%s stops the API, its workers and its private redis-server',
    async (_name, args, target, signal) => {
      const { npm, log } = await startService(args);
      expect(log()).toContain('Started a private redis-server');
      const tree = descendants(npm.pid!);
      const node = tree.find((p) => commandOf(p).includes('dist/main.js'));
      const redis = tree.find((p) => commandOf(p).startsWith('redis-server'));
      expect(node).toBeDefined();
      expect(redis).toBeDefined();

      process.kill(target === 'npm' ? npm.pid! : node!, signal);
      const exited = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 20_000);
        npm.once('exit', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      const survivors = [...tree].filter(alive).map((p) => `${p} ${commandOf(p)}`);
      for (const p of tree) if (alive(p)) process.kill(p, 'SIGKILL');
      expect(exited).toBe(true);
      expect(survivors).toEqual([]);
    },
    300_000,
  );
});
