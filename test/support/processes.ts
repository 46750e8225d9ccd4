import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { TEST_BEHAVIOR_MODULE } from './app';

const SRC = join(__dirname, '../../src');

export interface ServiceProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
}

/**
 * Starts `src/main.ts` or `src/worker.ts` from the current source (ts-node, transpile only) in
 * a process of its own, with the test behavior registered, and waits until it says it is up.
 */
export async function startServiceProcess(
  entry: 'main' | 'worker',
  env: Record<string, string>,
  readyLine = entry === 'main' ? 'Listening on' : 'Worker started',
): Promise<ServiceProcess> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', join(SRC, `${entry}.ts`)],
    {
      env: {
        ...process.env,
        BEHAVIOR_MODULES: TEST_BEHAVIOR_MODULE,
        EMBEDDING_PROVIDER: 'lexical',
        LOG_LEVEL: 'log',
        NO_COLOR: '1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const deadline = Date.now() + 120_000;
  while (!out.includes(readyLine)) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${entry} exited before it was ready:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${entry} was not ready within 120 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, output: () => out, exited };
}

/** Ends a process if it is still running (for afterAll). */
export async function stopProcess(p: ServiceProcess | undefined): Promise<void> {
  if (p === undefined || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGKILL');
  await p.exited;
}
