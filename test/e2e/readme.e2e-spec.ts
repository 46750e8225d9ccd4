/**
 * Runs the README's walk-through as a reader would paste it.
 *
 * Convention: every ```bash block of README.md runs, in the order it appears, in ONE bash
 * session (so a block sees the variables and functions the blocks before it set), with
 * `set -euo pipefail`, from the repository's folder. A block is left out only when the last
 * non-blank line before its opening fence is an HTML comment starting `<!-- readme-test: skip`
 * (say why after it): the commands that start the service or run the tests, Docker, anything
 * that does not end by itself.
 *
 * It runs twice: with access control off (what `npm start` gives), and on, with `TOKEN` minted
 * by `npm run token`'s script before the first block, as the README tells a reader to do.
 *
 * The test starts the service itself (src/main.ts in its own process, embedded workers, the
 * default sentence model, the Redis the test run started, a free port) and points the blocks at
 * it through BASE, which the README's first block reads as `${BASE:-http://127.0.0.1:3000}`.
 * Bash gets fixed arguments; each block is written to a file of its own and sourced with stdin
 * from /dev/null, so no command can swallow the blocks after it.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testRedisUrl } from '../support/app';
import { ServiceProcess, startServiceProcess, stopProcess } from '../support/processes';
import { freePort } from '../support/redis-server';

const ROOT = join(__dirname, '../..');
const SKIP_MARK = '<!-- readme-test: skip';

interface Block {
  /** 1-based line of the opening fence, to name a failing block. */
  line: number;
  code: string;
}

/** The README's ```bash blocks in order, without the ones marked to skip. */
function runnableBashBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```bash') continue;
    const end = lines.findIndex((l, j) => j > i && l.trim() === '```');
    if (end === -1) throw new Error(`README.md:${i + 1}: a bash block is never closed`);
    let before = i - 1;
    while (before >= 0 && lines[before].trim() === '') before--;
    const skipped = before >= 0 && lines[before].trim().startsWith(SKIP_MARK);
    if (!skipped) blocks.push({ line: i + 1, code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return blocks;
}

interface BlockRun {
  block: Block;
  /** null: bash ended (a command failed under `set -e`) or the time ran out first. */
  status: number | null;
  output: string;
}

/** Sources each block in one bash session and collects what each printed. */
async function runBlocks(blocks: Block[], env: NodeJS.ProcessEnv, timeoutMs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'readme-blocks-'));
  const marker = `__readme_block_done_${randomUUID().replace(/-/g, '')}`;
  const bash: ChildProcess = spawn('bash', ['--noprofile', '--norc'], {
    cwd: ROOT,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  bash.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  bash.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => bash.once('exit', () => resolve()));
  const runs: BlockRun[] = [];
  const deadline = Date.now() + timeoutMs;
  try {
    bash.stdin?.write('set -euo pipefail\n');
    for (const [n, block] of blocks.entries()) {
      const file = join(dir, `block-${n}.sh`);
      writeFileSync(file, `${block.code}\n`);
      const start = out.length;
      // The file name is ours (a temp folder and a counter), never data from a request.
      bash.stdin?.write(`source '${file}' </dev/null; echo "${marker} $?"\n`);
      const done = new RegExp(`${marker} (\\d+)\\n`);
      while (!done.test(out.slice(start))) {
        if (bash.exitCode !== null || bash.signalCode !== null || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const match = done.exec(out.slice(start));
      runs.push({
        block,
        status: match === null ? null : Number(match[1]),
        output: out.slice(start, match === null ? undefined : start + match.index),
      });
      if (match === null) break;
    }
  } finally {
    bash.stdin?.end();
    if (bash.exitCode === null && bash.signalCode === null) bash.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
  return runs;
}

/** Mints a token the way the README says, with the project's own script. */
function mintWithScript(secret: string): string {
  const minted = spawnSync(
    process.execPath,
    [join(ROOT, 'scripts/mint-token.js'), '--role', 'instructor', '--sub', 'ana'],
    { env: { ...process.env, AUTH_JWT_SECRET: secret }, encoding: 'utf8' },
  );
  if (minted.status !== 0) throw new Error(`mint-token failed: ${minted.stderr}`);
  return minted.stdout.trim();
}

describe.each([
  { mode: 'access control off (the default)', secret: null },
  { mode: 'access control on, TOKEN set first', secret: randomBytes(48).toString('base64') },
])('README: the walk-through runs as written, $mode', ({ secret }) => {
  const blocks = runnableBashBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  const studentNames = (
    JSON.parse(readFileSync(join(ROOT, 'examples/class.json'), 'utf8')) as {
      submissions: { name: string }[];
    }
  ).submissions.map((s) => s.name);
  let api: ServiceProcess | undefined;
  let base = '';
  let runs: BlockRun[] = [];

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = await startServiceProcess('main', {
      REDIS_URL: testRedisUrl(),
      KEY_PREFIX: `readme-${randomUUID().slice(0, 8)}`,
      PORT: String(port),
      // What `npm start` runs: the shipped sentence model, not the tests' lexical vectors.
      EMBEDDING_PROVIDER: 'model',
      ...(secret === null ? {} : { AUTH_JWT_SECRET: secret }),
    });
    // A fresh shell: no token or secret of the machine's leaks into the blocks.
    const env: NodeJS.ProcessEnv = { ...process.env, BASE: base };
    for (const name of ['TOKEN', 'AUTH_JWT_SECRET', 'HDR', 'DEPLOYMENT_ID', 'TASK_ID'])
      delete env[name];
    if (secret !== null) env.TOKEN = mintWithScript(secret);
    runs = await runBlocks(blocks, env, 100_000);
  }, 150_000);

  afterAll(async () => {
    await stopProcess(api);
  });

  const all = () => runs.map((r) => r.output).join('');
  const runOf = (text: string) => {
    const run = runs.find((r) => r.block.code.includes(text));
    if (run === undefined) throw new Error(`no README block contains ${text}`);
    return run;
  };

  it('finds the walk-through and leaves out only the marked blocks', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    expect(blocks.some((b) => b.code.includes('npm start'))).toBe(false);
    expect(blocks.some((b) => b.code.includes('examples/class.json'))).toBe(true);
  });

  it('runs every block to exit status 0', () => {
    const failed = runs.filter((r) => r.status !== 0);
    expect(
      failed.map((r) => `README.md:${r.block.line} ended ${r.status ?? 'early'}:\n${r.output}`),
    ).toEqual([]);
    expect(runs).toHaveLength(blocks.length);
  });

  it('shows PROGRESS on the way, then SUCCESS for both runs and a cancelled FAILURE', () => {
    expect(all()).toMatch(/^PROGRESS \d+% \w+: /m);
    const ends = [...all().matchAll(/^(SUCCESS|FAILURE) \d+% (\w+):/gm)].map(
      (m) => `${m[1]} ${m[2]}`,
    );
    expect(ends).toEqual(['SUCCESS completed', 'SUCCESS completed', 'FAILURE cancelled']);
    expect(runOf('/cancel"').output).toContain('"cancelled":true');
  });

  it('prints groups that hold every student of the sample class once', () => {
    const listed = [...runOf('r.explanations[g]').output.matchAll(/^Group\d+: (.+)$/gm)].flatMap(
      (m) => m[1].split(', '),
    );
    expect([...listed].sort()).toEqual([...studentNames].sort());
    expect(runOf('/groups/kaia@school.edu').output).toContain('kaia@school.edu');
  });

  it(secret === null ? 'needs no token' : 'sends the token on every call', async () => {
    const anonymous = await fetch(`${base}/api/page-deployments`);
    expect(anonymous.status).toBe(secret === null ? 200 : 401);
  });

  it('prints the themes found in the answers', () => {
    const themes = runOf('variables/theme_2').output.match(/^.+ \(\d+ students\): .+$/gm) ?? [];
    expect(themes.length).toBeGreaterThanOrEqual(2);
  });
});
