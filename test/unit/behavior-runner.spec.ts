import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { BehaviorFailure } from '../../src/engine/errors';
import { Submission } from '../../src/engine/types';
import { TEST_BEHAVIOR_MODULE } from '../support/app';
import { EchoResult } from '../support/test-echo.behavior';
import { SleepResult, TestSleepConfig } from '../support/test-sleep.behavior';
import {
  BehaviorRunner,
  DEFAULT_PARTS,
  RunnerOptions,
  splitStoredClass,
  splitStudents,
  StoredClass,
} from '../../src/execution/runner/behavior-runner';
import { RunnerMessage } from '../../src/execution/runner/protocol';

const ECHO_MODULE = join(__dirname, '..', 'support', 'test-echo.behavior.ts');

// Real worker threads (running the current source), real time limits scaled down to fractions of a second.
function runner(overrides: Partial<RunnerOptions> = {}): BehaviorRunner {
  return new BehaviorRunner({
    threads: 1,
    softLimitMs: 10_000,
    hardLimitMs: 20_000,
    cancelGraceMs: 300,
    settings: { behaviorModules: [TEST_BEHAVIOR_MODULE, ECHO_MODULE] },
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
    // Limits with room for a loaded machine to start the behavior: a soft limit that strikes
    // before the behavior starts stops it there, as a soft timeout (200 ms once was not enough).
    r = runner({ softLimitMs: 600, hardLimitMs: 1500 });
    await r.warm();
    const f = await failureOf(r.runAny('test_sleep', sleep({ honour_signal: false }), []));
    expect(f.kind).toBe('hard_timeout');
    expect(f.message).toBe('Hard time limit exceeded (1.5 s)');
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

  it('answers a cancel that came after the last checkpoint as cancelled, without the result', async () => {
    r = runner({ cancelGraceMs: 5_000 });
    const controller = new AbortController();
    const { hooks, started } = watched(controller.signal);
    // Ignores the cancel and finishes well inside the grace: it returns a result nobody wants.
    const run = r.runAny(
      'test_sleep',
      sleep({ honour_signal: false, duration_ms: 300 }),
      [],
      hooks,
    );
    await started;
    controller.abort('Cancelled by a test');
    const f = await failureOf(run);
    expect(f.kind).toBe('cancelled');
    expect(f.message).toBe('Cancelled by a test'); // not killed: it ended by itself
    expect(r.threadCount).toBe(1);
  });

  it('keeps the result of a behavior interrupted (not cancelled) after its last checkpoint', async () => {
    r = runner({ cancelGraceMs: 5_000 });
    const controller = new AbortController();
    const { hooks, started } = watched(controller.signal);
    const run = r.runAny('test_sleep', sleep({ honour_signal: false, duration_ms: 300 }), [], {
      ...hooks,
      isInterruption: (reason) => reason === 'shutting down',
    });
    await started;
    controller.abort('shutting down');
    const result = (await run) as SleepResult;
    expect(result.metadata.slept_ms).toBeGreaterThanOrEqual(300);
  });

  it('keeps the result of a behavior that reached the soft limit after its last checkpoint', async () => {
    // A limit with room for a loaded machine to start the behavior (100 ms once was not: a limit
    // that strikes before the start stops the run there, which is not what this test is about).
    r = runner({ softLimitMs: 600 });
    await r.warm();
    const result = (await r.runAny(
      'test_sleep',
      sleep({ honour_signal: false, duration_ms: 1200 }),
      [],
    )) as SleepResult;
    expect(result.metadata.slept_ms).toBeGreaterThanOrEqual(1200);
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

/** A class of `n` students, each answer `chars` long and told apart by its content. */
function classOf(n: number, chars: number): Submission[] {
  // Names not in sorted order: the thread must keep the order it was sent, not sort.
  return Array.from({ length: n }, (_, i) => {
    const head = `answer ${i}: `;
    return {
      name: `s${(n - i) * 7}`,
      text: head + String.fromCharCode(97 + (i % 26)).repeat(chars - head.length),
    };
  });
}

/** Records what the runner posts to its threads (the real postMessage still runs). */
function spyOnPosts(onPost?: (message: RunnerMessage) => void): RunnerMessage[] {
  const posted: RunnerMessage[] = [];
  const original = Worker.prototype.postMessage;
  jest.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (
    this: Worker,
    ...args: Parameters<Worker['postMessage']>
  ) {
    original.apply(this, args);
    const message = args[0] as RunnerMessage;
    posted.push(message);
    onPost?.(message);
  });
  return posted;
}

describe('splitStoredClass', () => {
  it('cuts within the bounds, and each part is a JSON array of exactly its students', () => {
    const sent = classOf(10, 100);
    const stored: StoredClass = {
      kind: 'stored',
      students: sent.map((s) => Buffer.from(JSON.stringify(s))),
    };
    const perStudent = stored.students[0].length;
    const parts = splitStoredClass(stored, { maxChars: 3 * perStudent, maxStudents: 100 });
    const decoded = parts.map((p) => JSON.parse(Buffer.from(p()).toString('utf8')) as Submission[]);
    expect(decoded.map((d) => d.length)).toEqual([3, 3, 3, 1]);
    expect(decoded.flat()).toEqual(sent);
    expect(
      splitStoredClass({ kind: 'stored', students: [] }, DEFAULT_PARTS).map((p) => p()),
    ).toEqual([Uint8Array.from([0x5b, 0x5d])]);
  });
});

describe('splitStudents', () => {
  const sizes = (parts: Submission[][]) => parts.map((p) => p.length);

  it('closes a part at the character bound, and keeps the order', () => {
    const students = classOf(10, 100); // 100 characters of text plus a short name each
    const parts = splitStudents(students, { maxChars: 350, maxStudents: 100 });
    expect(sizes(parts)).toEqual([3, 3, 3, 1]);
    expect(parts.flat()).toEqual(students);
  });

  it('closes a part at the student bound', () => {
    const parts = splitStudents(classOf(10, 10), { maxChars: 1_000_000, maxStudents: 4 });
    expect(sizes(parts)).toEqual([4, 4, 2]);
  });

  it('counts the responses, and gives a student larger than a part a part of its own', () => {
    const big: Submission = { name: 'big', text: 'x', responses: { p1: 'y'.repeat(500) } };
    const small: Submission = { name: 'a', text: 'z'.repeat(50) };
    const parts = splitStudents([small, big, small], { maxChars: 300, maxStudents: 100 });
    expect(parts).toEqual([[small], [big], [small]]);
  });

  it('sends a usual class, and an empty one, as one part', () => {
    expect(splitStudents(classOf(40, 3_000), DEFAULT_PARTS)).toHaveLength(1);
    expect(splitStudents([], DEFAULT_PARTS)).toEqual([[]]);
  });
});

describe('BehaviorRunner: handing a class to its thread', () => {
  let r: BehaviorRunner;
  afterEach(async () => {
    jest.restoreAllMocks();
    await r.close();
  });

  it('sends a small class in the run message itself, as one part', async () => {
    r = runner();
    const posted = spyOnPosts();
    const result = (await r.runAny('test_echo', {}, students)) as EchoResult;
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({ kind: 'run', parts: 1, students });
    expect(result.students).toEqual(students);
  });

  it('sends a large class in parts, in order, and the behavior sees exactly the class sent', async () => {
    r = runner({ parts: { maxChars: 5_000, maxStudents: 1_000 } });
    const posted = spyOnPosts();
    const sent = classOf(40, 1_000); // 4 students of ~1,000 characters per part: 10 parts
    const result = (await r.runAny('test_echo', {}, sent)) as EchoResult;
    expect(posted.map((m) => m.kind)).toEqual(['run', ...Array<string>(9).fill('students')]);
    expect(posted[0]).toMatchObject({ kind: 'run', parts: 10 });
    const inOrder = posted.flatMap((m) => (m.kind === 'run' ? m.students : m.part) as Submission[]);
    expect(inOrder).toEqual(sent);
    expect(result.students).toEqual(sent);
  });

  it('hands a stored class over as JSON bytes in parts, transferred, and the behavior sees the students', async () => {
    r = runner({ parts: { maxChars: 5_000, maxStudents: 1_000 } });
    const posted = spyOnPosts();
    const sent = classOf(40, 1_000);
    const stored: StoredClass = {
      kind: 'stored',
      students: sent.map((s) => Buffer.from(JSON.stringify(s))),
    };
    const result = (await r.runAny('test_echo', {}, stored)) as EchoResult;
    expect(posted[0]).toMatchObject({ kind: 'run', parts: 10 });
    // Transferred, not copied: the sender's view of each part is detached once posted.
    const bytes = posted.map((m) => (m.kind === 'run' ? m.students : m.part) as Uint8Array);
    expect(bytes.every((b) => ArrayBuffer.isView(b) && b.byteLength === 0)).toBe(true);
    // Each part had a buffer of its own: the stored students' buffers were never given away.
    expect(stored.students.every((b) => b.byteLength > 0)).toBe(true);
    expect(result.students).toEqual(sent);
  });

  it('fails a run whose stored class is not JSON, and keeps the thread', async () => {
    r = runner();
    await r.warm();
    const stored: StoredClass = { kind: 'stored', students: [Buffer.from('{"name":')] };
    const f = await failureOf(r.runAny('test_echo', {}, stored));
    expect(f.kind).toBe('crashed');
    expect(f.message).toMatch(/^The class could not be read/);
    expect(r.threadCount).toBe(1);
    const after = (await r.runAny('test_echo', {}, students)) as EchoResult;
    expect(after.students).toEqual(students);
  });

  it('splits a class over a million characters with the default bounds', async () => {
    r = runner();
    const posted = spyOnPosts();
    const sent = classOf(1_200, 1_000);
    const result = (await r.runAny('test_echo', {}, sent)) as EchoResult;
    expect(posted.length).toBeGreaterThan(1);
    expect(result.students).toEqual(sent);
  });

  it('stops sending at a cancel, settles as cancelled without running the behavior, and keeps the thread', async () => {
    r = runner({ parts: { maxChars: 1_000, maxStudents: 1_000 }, cancelGraceMs: 300 });
    await r.warm();
    const controller = new AbortController();
    // The cancel comes from the event loop (as a cancel request would) after the third part:
    // it can only be seen if the runner yields between parts.
    const posted = spyOnPosts((m) => {
      if (m.kind === 'students' && posted.length === 3)
        setImmediate(() => controller.abort('Cancelled by a test'));
    });
    const updates: number[] = [];
    // A behavior that ignores cancels: had it started, only a kill after the grace could end it.
    const f = await failureOf(
      r.runAny('test_sleep', sleep({ honour_signal: false }), classOf(200, 1_000), {
        signal: controller.signal,
        onProgress: (u) => updates.push(u.progress),
      }),
    );
    expect(f.kind).toBe('cancelled');
    expect(f.message).toBe('Cancelled by a test'); // no "was killed" suffix
    expect(updates).toEqual([]); // the behavior never reported its first step: it never ran
    expect(posted.length).toBeLessThan(10); // of 200 parts
    expect(r.threadCount).toBe(1);
    // The same thread takes the next run, with nothing of the stopped one mixed in.
    const next = (await r.runAny('test_echo', {}, students)) as EchoResult;
    expect(next.students).toEqual(students);
    expect(r.threadCount).toBe(1);
  });

  it('answers a cancel that comes once the thread has every part sent so far', async () => {
    r = runner({ parts: { maxChars: 1_000, maxStudents: 1_000 }, cancelGraceMs: 300 });
    await r.warm();
    const controller = new AbortController();
    const pause = new Int32Array(new SharedArrayBuffer(4));
    const posted = spyOnPosts((m) => {
      if (m.kind !== 'students' || posted.length !== 3) return;
      // Hold this loop while the thread takes the part; then cancel. No part comes after it,
      // so only the thread's own look at the stop flag while it waits can answer.
      Atomics.wait(pause, 0, 0, 200);
      controller.abort('Cancelled by a test');
    });
    const updates: number[] = [];
    const f = await failureOf(
      r.runAny('test_sleep', sleep({ honour_signal: false }), classOf(200, 1_000), {
        signal: controller.signal,
        onProgress: (u) => updates.push(u.progress),
      }),
    );
    expect(f.kind).toBe('cancelled');
    expect(f.message).toBe('Cancelled by a test');
    expect(updates).toEqual([]);
    expect(posted).toHaveLength(3);
    expect(r.threadCount).toBe(1);
  });

  it('answers a soft limit reached while the class is being sent as a soft timeout', async () => {
    // A limit with room for the first two parts on a loaded machine (50 ms once was not).
    r = runner({ parts: { maxChars: 1_000, maxStudents: 1_000 }, softLimitMs: 200 });
    await r.warm();
    const pause = new Int32Array(new SharedArrayBuffer(4));
    const posted = spyOnPosts((m) => {
      // Sending takes longer than the soft limit: its timer fires before the next part.
      if (m.kind === 'students' && posted.length === 3) Atomics.wait(pause, 0, 0, 500);
    });
    const updates: number[] = [];
    const f = await failureOf(
      r.runAny('test_sleep', sleep({ honour_signal: false }), classOf(200, 1_000), {
        onProgress: (u) => updates.push(u.progress),
      }),
    );
    expect(f.kind).toBe('soft_timeout');
    expect(f.message).toBe('Soft time limit exceeded (0.2 s)');
    expect(updates).toEqual([]);
    expect(posted).toHaveLength(3);
    expect(r.threadCount).toBe(1);
  });
});
