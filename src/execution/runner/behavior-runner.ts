import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { BehaviorFailure } from '../../engine/errors';
import {
  BehaviorConfigs,
  BehaviorResults,
  BehaviorType,
  ProgressUpdate,
  Submission,
} from '../../engine/types';
import {
  RunMessage,
  StudentsMessage,
  StudentsPart,
  STOP_CANCEL,
  STOP_INTERRUPT,
  STOP_NONE,
  STOP_SOFT_TIMEOUT,
  ThreadMessage,
  ThreadSettings,
} from './protocol';
import { EncodedResult } from './encoded-result';

export interface RunnerOptions {
  /** Runs at once; further runs wait for a free thread. */
  threads: number;
  softLimitMs: number;
  hardLimitMs: number;
  /** How long a cancelled behavior may take to stop before its thread is killed. */
  cancelGraceMs: number;
  settings: ThreadSettings;
  /** Embedding cache lookups reported by the threads (for metrics). */
  onCacheLookups?: (hits: number, misses: number) => void;
  /** How a class is cut into messages for its thread; DEFAULT_PARTS unless set (tests). */
  parts?: PartLimits;
}

/** Bounds of one part of a class sent to a thread: whichever is reached first closes a part. */
export interface PartLimits {
  /** Characters of names, answers and responses in a part (one larger student still fits). */
  maxChars: number;
  maxStudents: number;
}

/**
 * One structured clone of a whole class at the limit (3,000 answers of 20,000 characters,
 * ~60 M characters) took 40-140 ms on each side: about 2.5 ms per million characters at worst.
 * A million characters (at most 2 MB as UTF-16) thus blocks either event loop for a few ms,
 * far below the cancel latency budget (median 50 ms, max 150 ms), while the largest class needs
 * only ~60 messages, whose fixed cost (tens of microseconds each) is lost in the noise. The
 * student bound caps the per-object part of the clone for classes of many short answers. A usual
 * class (tens of students, a few thousand characters each) is one part: one message, as before.
 */
export const DEFAULT_PARTS: PartLimits = { maxChars: 1_000_000, maxStudents: 1_000 };

/** Characters a student adds to a message: what dominates the cost of cloning it. */
function sizeOf(s: Submission): number {
  let n = s.name.length + s.text.length;
  for (const [prompt, answer] of Object.entries(s.responses ?? {}))
    n += prompt.length + answer.length;
  return n;
}

/**
 * A class as stored: each student's JSON (UTF-8), in the order the behavior gets them. The
 * process that reads it never parses it: the bytes go to the thread, which does. For a class at
 * the limit (60 MB of answers) this keeps ~120 MB of strings (the reply, then the parsed copy)
 * out of the heap whose event loop must notice a cancel.
 */
export interface StoredClass {
  kind: 'stored';
  students: readonly Uint8Array[];
}

/** What a run is given: students, or a class as stored. */
export type ClassInput = Submission[] | StoredClass;

export function classSize(input: ClassInput): number {
  return Array.isArray(input) ? input.length : input.students.length;
}

/**
 * Cuts a stored class into parts within the same bounds (bytes standing for characters), each
 * built only when it is sent, as the text of a JSON array in a buffer of its own to transfer.
 */
export function splitStoredClass(stored: StoredClass, limits: PartLimits): (() => Uint8Array)[] {
  const { students } = stored;
  const bounds: [number, number][] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < students.length; i++) {
    const size = students[i].length;
    if (i > start && (bytes + size > limits.maxChars || i - start >= limits.maxStudents)) {
      bounds.push([start, i]);
      start = i;
      bytes = 0;
    }
    bytes += size;
  }
  bounds.push([start, students.length]);
  return bounds.map(([from, to]) => () => {
    let length = 2 + Math.max(0, to - from - 1);
    for (let i = from; i < to; i++) length += students[i].length;
    const out = new Uint8Array(new ArrayBuffer(length));
    let at = 0;
    out[at++] = 0x5b; // [
    for (let i = from; i < to; i++) {
      if (i > from) out[at++] = 0x2c; // ,
      out.set(students[i], at);
      at += students[i].length;
    }
    out[at] = 0x5d; // ]
    return out;
  });
}

/** Cuts a class into parts, in order, each within the limits (at least one student each). */
export function splitStudents(students: readonly Submission[], limits: PartLimits): Submission[][] {
  const parts: Submission[][] = [];
  let part: Submission[] = [];
  let chars = 0;
  for (const s of students) {
    const size = sizeOf(s);
    if (part.length > 0 && (chars + size > limits.maxChars || part.length >= limits.maxStudents)) {
      parts.push(part);
      part = [];
      chars = 0;
    }
    part.push(s);
    chars += size;
  }
  if (part.length > 0 || parts.length === 0) parts.push(part);
  return parts;
}

export interface RunHooks {
  /** Aborting it cancels the run; its reason becomes the failure message. */
  signal?: AbortSignal;
  /**
   * Abort reasons that interrupt rather than cancel (a shutdown): the behavior still stops at its
   * next checkpoint, but one that has already finished keeps its result. A cancel drops it.
   */
  isInterruption?: (reason: unknown) => boolean;
  onProgress?: (update: ProgressUpdate) => void;
}

interface Slot {
  worker: Worker;
  /** Resolves once the thread has loaded its code; time limits count from there. */
  ready: Promise<void>;
  active: ActiveRun | null;
}

interface ActiveRun {
  runId: number;
  flag: Int32Array;
  stopCode: number;
  cancelReason: string;
  onProgress?: (update: ProgressUpdate) => void;
  settle: (outcome: { result: EncodedResult } | { failure: BehaviorFailure }) => void;
}

/**
 * A thread runs the same code as this file: the build's JavaScript in production, and the
 * TypeScript source when this file itself is TypeScript (under Jest or ts-node), so a test
 * always runs the current engine and never a stale build. The source needs a loader: tsx (a dev
 * dependency; thread code has no decorators, so esbuild's transpiling is enough).
 */
function startThread(settings: ThreadSettings): Worker {
  const fromSource = __filename.endsWith('.ts');
  const entry = join(__dirname, fromSource ? 'behavior-thread.ts' : 'behavior-thread.js');
  if (!fromSource) return new Worker(entry, { workerData: settings });
  const bootstrap = "require('tsx/cjs/api').register();" + `require(${JSON.stringify(entry)});`;
  return new Worker(bootstrap, { eval: true, workerData: settings });
}

function seconds(ms: number): string {
  return String(Math.round(ms) / 1000);
}

/**
 * Runs behaviors in a small pool of warm worker threads, so no behavior ever runs on an event
 * loop that has to renew queue locks or answer HTTP, and a behavior that will not stop can be
 * killed. Soft limit: the behavior is asked to stop and fails with a soft-timeout. Hard limit,
 * or a cancel not honoured within the grace period: the thread is terminated and replaced.
 */
export class BehaviorRunner {
  private readonly slots = new Set<Slot>();
  private readonly waiting: Array<{ take: (slot: Slot) => void }> = [];
  private nextRunId = 1;
  private closed = false;

  constructor(private readonly options: RunnerOptions) {}

  /** Runs a shipped behavior, typed by its type name. */
  async run<T extends BehaviorType>(
    type: T,
    config: BehaviorConfigs[T],
    students: Submission[],
    hooks: RunHooks = {},
  ): Promise<BehaviorResults[T]> {
    return (await this.runAny(type, config, students, hooks)) as BehaviorResults[T];
  }

  /** Runs any type in the threads' catalog (a registered behavior's result is its own shape). */
  async runAny(
    type: string,
    config: unknown,
    students: ClassInput,
    hooks: RunHooks = {},
  ): Promise<unknown> {
    return JSON.parse((await this.runEncoded(type, config, students, hooks)).json) as unknown;
  }

  /** Runs any type and answers its result as the thread encoded it, never parsed here. */
  async runEncoded(
    type: string,
    config: unknown,
    students: ClassInput,
    hooks: RunHooks = {},
  ): Promise<EncodedResult> {
    const slot = await this.acquire(hooks.signal);
    return this.execute(slot, type, config, students, hooks);
  }

  /** Starts every thread now, so the first runs do not wait for threads to load. */
  async warm(): Promise<void> {
    while (this.slots.size < this.options.threads && !this.closed) this.spawn();
    await Promise.all([...this.slots].map((s) => s.ready));
  }

  /** Threads alive now (for tests and health checks). */
  get threadCount(): number {
    return this.slots.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = [...this.slots].map((s) => s.worker);
    this.slots.clear();
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private acquire(signal?: AbortSignal): Promise<Slot> {
    if (this.closed)
      return Promise.reject(new BehaviorFailure('crashed', 'The runner is shut down'));
    if (signal?.aborted) return Promise.reject(this.cancelled(signal));
    const idle = [...this.slots].find((s) => s.active === null);
    if (idle) return Promise.resolve(this.claim(idle));
    if (this.slots.size < this.options.threads) return Promise.resolve(this.claim(this.spawn()));
    return new Promise<Slot>((resolveSlot, reject) => {
      const waiter = {
        take: (slot: Slot) => {
          signal?.removeEventListener('abort', onAbort);
          resolveSlot(slot);
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(this.cancelled(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /** Marks a slot busy at once, so two acquirers never get the same thread. */
  private claim(slot: Slot): Slot {
    slot.active = {
      runId: 0,
      flag: new Int32Array(0),
      stopCode: STOP_NONE,
      cancelReason: '',
      settle: () => undefined,
    };
    return slot;
  }

  private release(slot: Slot): void {
    slot.active = null;
    if (!this.slots.has(slot)) {
      // The slot's thread was killed: give a waiter a fresh one.
      if (this.waiting.length > 0 && !this.closed)
        this.waiting.shift()!.take(this.claim(this.spawn()));
      return;
    }
    const next = this.waiting.shift();
    if (next) next.take(this.claim(slot));
  }

  private spawn(): Slot {
    const worker = startThread(this.options.settings);
    worker.unref();
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolveReady) => (markReady = resolveReady));
    const slot: Slot = { worker, ready, active: null };
    worker.on('message', (message: ThreadMessage) => {
      if (message.kind === 'ready') markReady();
      else if (message.kind === 'cache')
        this.options.onCacheLookups?.(message.hits, message.misses);
      else this.onMessage(slot, message);
    });
    // A thread that dies while loading must not leave a run waiting for it forever.
    worker.once('exit', () => markReady());
    worker.on('error', (err) => {
      this.slots.delete(slot);
      slot.active?.settle({
        failure: new BehaviorFailure('crashed', `Runner thread crashed: ${err.message}`),
      });
    });
    worker.on('exit', (code) => {
      if (!this.slots.delete(slot)) return;
      slot.active?.settle({
        failure: new BehaviorFailure('crashed', `Runner thread exited unexpectedly (code ${code})`),
      });
    });
    this.slots.add(slot);
    return slot;
  }

  private onMessage(slot: Slot, message: ThreadMessage): void {
    const run = slot.active;
    if (run === null || message.kind === 'ready' || message.kind === 'cache') return;
    if (message.runId !== run.runId) return;
    switch (message.kind) {
      case 'progress':
        run.onProgress?.(message.update);
        return;
      case 'done':
        run.settle({ result: message.result });
        return;
      case 'failed':
        run.settle({
          failure:
            message.aborted && run.stopCode !== STOP_NONE
              ? this.stopFailure(run)
              : new BehaviorFailure(message.failure.kind, message.failure.message),
        });
        return;
    }
  }

  private stopFailure(run: ActiveRun): BehaviorFailure {
    if (run.stopCode === STOP_SOFT_TIMEOUT) {
      return new BehaviorFailure(
        'soft_timeout',
        `Soft time limit exceeded (${seconds(this.options.softLimitMs)} s)`,
      );
    }
    return new BehaviorFailure('cancelled', run.cancelReason);
  }

  private cancelled(signal: AbortSignal): BehaviorFailure {
    return new BehaviorFailure('cancelled', String(signal.reason ?? 'Cancelled'));
  }

  private execute(
    slot: Slot,
    type: string,
    config: unknown,
    students: ClassInput,
    hooks: RunHooks,
  ): Promise<EncodedResult> {
    const { softLimitMs, hardLimitMs, cancelGraceMs } = this.options;
    const stopFlag = new SharedArrayBuffer(4);
    const timers: NodeJS.Timeout[] = [];
    // Limit timers never keep a process alive by themselves: a run abandoned at shutdown (left
    // for another worker to retry) would otherwise hold the process for up to the hard limit.
    const arm = (fn: () => void, ms: number) => timers.push(setTimeout(fn, ms).unref());
    return new Promise<EncodedResult>((resolveRun, rejectRun) => {
      let settled = false;
      const run: ActiveRun = {
        runId: this.nextRunId++,
        flag: new Int32Array(stopFlag),
        stopCode: STOP_NONE,
        cancelReason: '',
        onProgress: hooks.onProgress,
        settle: (outcome) => {
          if (settled) return;
          settled = true;
          timers.forEach(clearTimeout);
          hooks.signal?.removeEventListener('abort', onAbort);
          this.release(slot);
          if ('failure' in outcome) rejectRun(outcome.failure);
          else resolveRun(outcome.result);
        },
      };
      slot.active = run;

      const requestStop = (code: number) => {
        if (run.stopCode !== STOP_NONE) return;
        run.stopCode = code;
        Atomics.store(run.flag, 0, code);
      };
      const kill = (failure: BehaviorFailure) => {
        if (settled) return;
        this.slots.delete(slot);
        run.settle({ failure });
        void slot.worker.terminate();
      };
      const onAbort = () => {
        run.cancelReason = String(hooks.signal?.reason ?? 'Cancelled');
        requestStop(hooks.isInterruption?.(hooks.signal?.reason) ? STOP_INTERRUPT : STOP_CANCEL);
        arm(
          () =>
            kill(
              new BehaviorFailure(
                'cancelled',
                `${run.cancelReason} (the behavior did not stop within ` +
                  `${seconds(cancelGraceMs)} s and was killed)`,
              ),
            ),
          cancelGraceMs,
        );
      };

      if (hooks.signal?.aborted) onAbort();
      else hooks.signal?.addEventListener('abort', onAbort, { once: true });

      void slot.ready.then(() => {
        if (settled) return;
        if (run.stopCode === STOP_CANCEL || run.stopCode === STOP_INTERRUPT) {
          run.settle({ failure: new BehaviorFailure('cancelled', run.cancelReason) });
          return;
        }
        arm(() => requestStop(STOP_SOFT_TIMEOUT), softLimitMs);
        arm(
          () =>
            kill(
              new BehaviorFailure(
                'hard_timeout',
                `Hard time limit exceeded (${seconds(hardLimitMs)} s)`,
              ),
            ),
          hardLimitMs,
        );
        this.send(slot, run, type, config, students, stopFlag);
      });
    });
  }

  /**
   * Hands a class to its thread part by part, yielding to the event loop between parts, so an
   * abort (or a soft limit) is noticed while a large class is still being sent. A stopped or
   * settled run gets no further parts: the thread, short of parts, sees the stop flag and
   * answers `failed` + `aborted`, settled like a behavior that stopped at a checkpoint.
   */
  private send(
    slot: Slot,
    run: ActiveRun,
    type: string,
    config: unknown,
    students: ClassInput,
    stopFlag: SharedArrayBuffer,
  ): void {
    const limits = this.options.parts ?? DEFAULT_PARTS;
    const parts: (() => StudentsPart)[] = Array.isArray(students)
      ? splitStudents(students, limits).map((p) => () => p)
      : splitStoredClass(students, limits);
    // A part in a buffer is transferred: the thread gets its memory, nothing is copied.
    const post = (message: RunMessage | StudentsMessage, part: StudentsPart) =>
      slot.worker.postMessage(
        message,
        ArrayBuffer.isView(part) ? [part.buffer as ArrayBuffer] : [],
      );
    const first = parts[0]();
    const message: RunMessage = {
      kind: 'run',
      runId: run.runId,
      type,
      config,
      students: first,
      parts: parts.length,
      stopFlag,
    };
    post(message, first);
    const sendFrom = (i: number): void => {
      if (i >= parts.length) return;
      setImmediate(() => {
        // Settled (the slot is free or taken by the next run) or asked to stop: send no more.
        if (slot.active !== run || run.stopCode !== STOP_NONE) return;
        const part = parts[i]();
        post({ kind: 'students', runId: run.runId, part }, part);
        sendFrom(i + 1);
      });
    };
    sendFrom(1);
  }
}
