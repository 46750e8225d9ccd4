// Run in a process of its own by embedding-helpers.e2e-spec: ONNX Runtime aborts a process whose
// thread is torn down while a run is in progress, so each step prints a line, and a process that
// aborts shows which step it did not get past.
//   1. a runner thread killed at its hard limit while the model is computing vectors for it;
//   2. the same runner, afterwards, computing vectors again;
//   3. the process exiting while the model is computing vectors.
import { execFileSync } from 'node:child_process';
import { BehaviorRunner } from '../../src/execution/runner/behavior-runner';
import { groupConfig } from './engine';

const students = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => ({
    name: `${tag}${i}`,
    text: `${tag} answer ${i}: rivers, mountains and the ${i % 13} reasons people travel in summer`,
  }));

async function main(): Promise<void> {
  const runner = new BehaviorRunner({
    threads: 1,
    softLimitMs: 600_000,
    hardLimitMs: Number(process.env.HARD_LIMIT_MS ?? 4000),
    cancelGraceMs: 1000,
    settings: { embeddingProvider: 'model' },
  });
  const config = groupConfig({ grouping_method: 'homogeneous', include_explanations: false });
  // Enough answers that vectors take well past the hard limit.
  const killed = await runner.run('group_assignment', config, students(6000, 'a')).then(
    () => 'finished',
    (err: { kind?: string }) => err.kind ?? 'error',
  );
  console.log(`step 1: ${killed}`);
  const again = await runner.run('group_assignment', config, students(12, 'b'));
  console.log(`step 2: ${again.metadata.embedding_provider} ${again.metadata.total_groups} groups`);
  void runner.run('group_assignment', config, students(6000, 'c')).catch(() => undefined);
  setTimeout(() => {
    // The helpers this process started, for the test to see them leave after it.
    // Live ones only: those of the killed thread have exited already (unreaped: see
    // docs/architecture.md), and `ps` lists itself.
    const helpers = execFileSync('ps', ['-o', 'pid=,stat=,args=', '--ppid', String(process.pid)], {
      encoding: 'utf8',
    })
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter(([, stat, title]) => title === 'behavior-runner-embedding' && !stat.startsWith('Z'))
      .map(([pid]) => Number(pid));
    console.log(`helpers: ${helpers.join(',')}`);
    // Ctrl+C reaches the whole process group: a helper stays until its channel closes.
    for (const pid of helpers) process.kill(pid, 'SIGINT');
    setTimeout(() => {
      const alive = helpers.filter((pid) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      });
      console.log(
        `step 3: ${alive.length} of ${helpers.length} helpers alive after SIGINT; exiting`,
      );
      process.exit(0);
    }, 300);
  }, 2500);
}

void main();
