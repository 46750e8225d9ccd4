import { spawn } from 'node:child_process';
import { join } from 'node:path';

// The model runs in helper processes because ONNX Runtime aborts a process (SIGABRT, "terminate
// called after throwing an instance of 'Napi::Error'") when a thread is torn down in the middle
// of a run, and runner threads are torn down: killed at their hard limit, or when the service
// exits. With the helpers in threads under the runner thread, both steps below aborted.
describe('model vectors in helper processes', () => {
  it('survives a runner thread killed mid-batch and an exit mid-batch', async () => {
    const child = spawn(
      process.execPath,
      ['-r', 'tsx/cjs', join(__dirname, '../support/embedding-kill.script.ts')],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HARD_LIMIT_MS: '4000' } },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    // 'close': the output is read to its end (the helpers write to the same pipes).
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      child.once('close', (c, s) => resolve([c, s])),
    );

    expect(out).toContain('step 1: hard_timeout');
    expect(out).toContain('step 2: use-lite-512 3 groups');
    expect(out).toMatch(/step 3: (\d+) of \1 helpers alive after SIGINT; exiting/);
    expect(out).not.toContain('terminate called');
    expect({ code, signal }).toEqual({ code: 0, signal: null });

    // Its helpers (which ignored the SIGINT) finish the batch in hand and leave.
    const pids = (/helpers: ([\d,]*)/.exec(out)?.[1] ?? '').split(',').filter(Boolean).map(Number);
    expect(pids.length).toBeGreaterThan(0);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 10_000;
    while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(pids.filter(alive)).toEqual([]);
  }, 120_000);
});
