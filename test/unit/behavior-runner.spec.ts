import { BehaviorFailure } from '../../src/engine/errors';
import { TEST_BEHAVIOR_MODULE } from '../support/app';
import { SleepResult, TestSleepConfig } from '../support/test-sleep.behavior';
import { BehaviorRunner, RunnerOptions } from '../../src/execution/runner/behavior-runner';

// Real worker threads (running the current source), real time limits scaled down to fractions of a second.
function runner(overrides: Partial<RunnerOptions> = {}): BehaviorRunner {
  return new BehaviorRunner({
    threads: 1,
    softLimitMs: 10_000,
    hardLimitMs: 20_000,
    cancelGraceMs: 300,
    settings: { behaviorModules: [TEST_BEHAVIOR_MODULE] },
    ...overrides,
  });
}

const sleep = (c: Partial<TestSleepConfig>): TestSleepConfig => ({
  duration_ms: 5000,
  honour_signal: true,
  fail_with: null,
  label: 'Test Sleep',
  ...c,
});

async function failureOf(p: Promise<unknown>): Promise<BehaviorFailure> {
  try {
    await p;
  } catch (err) {
    if (err instanceof BehaviorFailure) return err;
    throw err;
  }
  throw new Error('expected the run to fail');
}

/** Hooks whose `started` resolves at the behavior's first progress report: it is running. */
function watched(signal: AbortSignal): {
  hooks: { signal: AbortSignal; onProgress: () => void };
  started: Promise<void>;
} {
  let mark: () => void = () => undefined;
  const started = new Promise<void>((res) => (mark = res));
  return { hooks: { signal, onProgress: () => mark() }, started };
}

const students = [
  { name: 'a', text: 'one' },
  { name: 'b', text: 'two' },
  { name: 'c', text: 'three' },
];

describe('BehaviorRunner', () => {
  let r: BehaviorRunner;
  afterEach(async () => r.close());

  it('runs a behavior in a thread and passes its progress on', async () => {
    r = runner();
    const updates: number[] = [];
    const result = await r.run(
      'random_grouping',
      { group_size: 2, seed: 1, label: 'R', selected_submission_prompts: [] },
      students,
      {
        onProgress: (u) => updates.push(u.progress),
      },
    );
    expect(Object.values(result.groups).flat().sort()).toEqual(['a', 'b', 'c']);
    expect(updates).toEqual([40, 60, 85]);
  });

  it('reports input problems as input failures, with the message', async () => {
    r = runner();
    const f = await failureOf(
      r.runAny('test_sleep', sleep({ duration_ms: 0, fail_with: 'Need at least 2 students' }), []),
    );
    expect(f.kind).toBe('input');
    expect(f.message).toBe('Need at least 2 students');
  });

  it('aborts at the soft limit and fails with a soft-timeout', async () => {
    r = runner({ softLimitMs: 300, hardLimitMs: 5000 });
    await r.warm();
    const started = Date.now();
    const f = await failureOf(r.runAny('test_sleep', sleep({ honour_signal: true }), []));
    expect(f.kind).toBe('soft_timeout');
    expect(f.message).toBe('Soft time limit exceeded (0.3 s)');
    // Stopped by the soft limit, well before its 5 s of work (or the hard limit) were over.
    expect(Date.now() - started).toBeLessThan(4500);
    expect(r.threadCount).toBe(1); // the thread wound up by itself and is reused
  });

  it('kills a behavior that ignores the soft limit at the hard limit, then runs the next one', async () => {
    r = runner({ softLimitMs: 200, hardLimitMs: 600 });
    const f = await failureOf(r.runAny('test_sleep', sleep({ honour_signal: false }), []));
    expect(f.kind).toBe('hard_timeout');
    expect(f.message).toBe('Hard time limit exceeded (0.6 s)');
    expect(r.threadCount).toBe(0);
    const next = (await r.runAny('test_sleep', sleep({ duration_ms: 20 }), [])) as SleepResult;
    expect(next.metadata.slept_ms).toBeGreaterThanOrEqual(20);
  });

  it('stops a behavior that honours its signal at its next checkpoint', async () => {
    r = runner();
    const controller = new AbortController();
    const { hooks, started } = watched(controller.signal);
    const run = r.runAny('test_sleep', sleep({ honour_signal: true }), [], hooks);
    await started;
    controller.abort('Cancelled by a test');
    const f = await failureOf(run);
    expect(f.kind).toBe('cancelled');
    // Stopped at a checkpoint: the message has no "killed" suffix and the thread lives on.
    expect(f.message).toBe('Cancelled by a test');
    expect(r.threadCount).toBe(1);
  });

  it('kills a behavior that ignores a cancel once the grace period is over', async () => {
    r = runner({ cancelGraceMs: 300 });
    const controller = new AbortController();
    const { hooks, started } = watched(controller.signal);
    const run = r.runAny('test_sleep', sleep({ honour_signal: false }), [], hooks);
    await started;
    const t0 = Date.now();
    controller.abort('Cancelled by a test');
    const f = await failureOf(run);
    const waited = Date.now() - t0;
    expect(f.kind).toBe('cancelled');
    expect(f.message).toContain('did not stop within 0.3 s and was killed');
    expect(waited).toBeGreaterThanOrEqual(280);
    expect(waited).toBeLessThan(3000);
    expect(r.threadCount).toBe(0);
  });

  it('cancels a run still waiting for a thread without ever starting it', async () => {
    r = runner({ threads: 1 });
    const busy = r.runAny('test_sleep', sleep({ duration_ms: 400 }), []);
    const controller = new AbortController();
    const waiting = r.runAny(
      'test_sleep',
      sleep({ duration_ms: 0, fail_with: 'must not run' }),
      [],
      {
        signal: controller.signal,
      },
    );
    controller.abort('Not needed any more');
    const f = await failureOf(waiting);
    expect(f.kind).toBe('cancelled');
    expect(f.message).toBe('Not needed any more');
    await expect(busy).resolves.toHaveProperty('metadata.label', 'Test Sleep');
  });

  it('runs as many behaviors at once as it has threads, and queues the rest', async () => {
    r = runner({ threads: 2 });
    await r.warm(); // both threads loaded, so thread start-up time cannot serialise the runs
    // Each run's interval: from its first progress report (the behavior is running in a
    // thread) to its end. Two threads must overlap the first two runs; one thread could not.
    const spans = await Promise.all(
      [1, 2, 3].map(async () => {
        let start = Number.NaN;
        const onProgress = () => {
          if (Number.isNaN(start)) start = performance.now();
        };
        await r.runAny('test_sleep', sleep({ duration_ms: 1500 }), [], { onProgress });
        return { start, end: performance.now() };
      }),
    );
    const [a, b, c] = spans;
    expect(a.start < b.end && b.start < a.end).toBe(true);
    expect(c.start).toBeGreaterThanOrEqual(Math.min(a.end, b.end) - 5);
    expect(r.threadCount).toBe(2);
  });
});
