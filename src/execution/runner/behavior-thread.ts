// Entry point of a runner thread. It runs one behavior at a time and reports back; the runner
// owns time limits and kills the thread when a behavior will not stop.
import { parentPort, workerData } from 'node:worker_threads';
import { BehaviorContext } from '../../engine/behavior';
import { BehaviorAbortedError, BehaviorFailure, SerializedFailure } from '../../engine/errors';
import { behaviorDefinition, loadBehaviorModules } from '../../engine/catalog';
import { Submission } from '../../engine/types';
import {
  RunMessage,
  RunnerMessage,
  StudentsMessage,
  StudentsPart,
  STOP_CANCEL,
  STOP_INTERRUPT,
  STOP_NONE,
  STOP_SOFT_TIMEOUT,
  ThreadMessage,
  ThreadSettings,
} from './protocol';
import { threadServices } from './thread-services';
import { encodeResult } from './encoded-result';

const port = parentPort;
if (port === null) throw new Error('behavior-thread must run as a worker thread');
const settings = workerData as ThreadSettings;
loadBehaviorModules(settings.behaviorModules ?? []);
function send(message: ThreadMessage): void {
  port!.postMessage(message);
}

// One small message per cache lookup (a lookup covers a whole batch of answers).
const services = threadServices(settings, (hits, misses) => send({ kind: 'cache', hits, misses }));

function stopReason(code: number): string {
  if (code === STOP_SOFT_TIMEOUT) return 'soft_timeout';
  return code === STOP_CANCEL || code === STOP_INTERRUPT ? 'cancelled' : '';
}

/** The answer to a run stopped before its behavior started: what a checkpoint would give. */
function stoppedBeforeStart(runId: number, code: number): void {
  const failure = serialize(new BehaviorAbortedError(stopReason(code)));
  send({ kind: 'failed', runId, failure, aborted: true });
}

const utf8 = new TextDecoder();

/** A part's students: a part read from storage comes as JSON bytes, parsed here. */
function decode(part: StudentsPart): Submission[] {
  return ArrayBuffer.isView(part) ? (JSON.parse(utf8.decode(part)) as Submission[]) : part;
}

/** A part that cannot be read fails its run (stored data that is not what was written). */
function unreadable(runId: number, err: unknown): void {
  const message = `The class could not be read: ${err instanceof Error ? err.message : String(err)}`;
  send({
    kind: 'failed',
    runId,
    failure: serialize(new BehaviorFailure('crashed', message)),
    aborted: false,
  });
}

/** A run whose class is still arriving in parts (one at a time: the runner sends one run). */
interface Pending {
  message: RunMessage;
  flag: Int32Array;
  parts: Submission[][];
  /** Notices a stop while no part comes: the runner sends no more parts once it has stopped. */
  poll: NodeJS.Timeout;
}
let pending: Pending | null = null;

function begin(message: RunMessage): void {
  // A new run means the runner has settled the previous one: nothing of it is awaited any more.
  if (pending !== null) clearInterval(pending.poll);
  pending = null;
  const flag = new Int32Array(message.stopFlag);
  let first: Submission[];
  try {
    first = decode(message.students);
  } catch (err) {
    unreadable(message.runId, err);
    return;
  }
  if (message.parts <= 1) {
    start(message, first, flag);
    return;
  }
  const poll = setInterval(() => {
    const code = Atomics.load(flag, 0);
    if (code !== STOP_NONE) drop(code);
  }, 5);
  pending = { message, flag, parts: [first], poll };
}

function receive(message: StudentsMessage): void {
  // Parts of a run answered already (stopped while it was being sent) are let go.
  if (pending === null || message.runId !== pending.message.runId) return;
  try {
    pending.parts.push(decode(message.part));
  } catch (err) {
    clearInterval(pending.poll);
    unreadable(pending.message.runId, err);
    pending = null;
    return;
  }
  // Checked after each part: queued parts are deserialized back to back, with no timer between.
  const code = Atomics.load(pending.flag, 0);
  if (code !== STOP_NONE) {
    drop(code);
    return;
  }
  if (pending.parts.length < pending.message.parts) return;
  const { message: run, flag, parts, poll } = pending;
  clearInterval(poll);
  pending = null;
  start(run, parts.flat(), flag);
}

function drop(code: number): void {
  if (pending === null) return;
  clearInterval(pending.poll);
  stoppedBeforeStart(pending.message.runId, code);
  pending = null;
}

function start(message: RunMessage, students: Submission[], flag: Int32Array): void {
  // Stopped while its class arrived: the behavior never starts (one that never reaches a
  // checkpoint would otherwise run to the end, and a cancel must not end as a success).
  const code = Atomics.load(flag, 0);
  if (code !== STOP_NONE) stoppedBeforeStart(message.runId, code);
  else void run(message, students, flag);
}

async function run(message: RunMessage, students: Submission[], flag: Int32Array): Promise<void> {
  const controller = new AbortController();
  // Async waits (LLM calls, timers) learn of a stop through the signal; poll the flag for them.
  const poll = setInterval(() => {
    const code = Atomics.load(flag, 0);
    if (code !== STOP_NONE && !controller.signal.aborted) controller.abort(stopReason(code));
  }, 5);
  const ctx: BehaviorContext<unknown> = {
    students,
    config: message.config,
    signal: controller.signal,
    checkpoint() {
      const code = Atomics.load(flag, 0);
      if (code === STOP_NONE) return;
      if (!controller.signal.aborted) controller.abort(stopReason(code));
      throw new BehaviorAbortedError(stopReason(code));
    },
    embed: services.embed,
    llm: services.llm,
    progress(percent, status) {
      send({
        kind: 'progress',
        runId: message.runId,
        update: { progress: Math.round(percent), stage: 'execution', status },
      });
    },
  };
  try {
    const definition = behaviorDefinition(message.type);
    const output = await definition.run(ctx);
    // Serialized here, off the event loop that must notice cancels (see EncodedResult).
    const result = encodeResult(output, definition.outputVariablePrefix);
    // A cancel that came after the behavior's last checkpoint would be refused at the final
    // write anyway (finish.lua); answering it here spares sending and writing a result of
    // megabytes first. A soft limit or a shutdown reached that late keeps the result.
    if (Atomics.load(flag, 0) === STOP_CANCEL)
      throw new BehaviorAbortedError(stopReason(STOP_CANCEL));
    send({ kind: 'done', runId: message.runId, result });
  } catch (err) {
    const aborted = err instanceof BehaviorAbortedError || controller.signal.aborted;
    send({ kind: 'failed', runId: message.runId, failure: serialize(err), aborted });
  } finally {
    clearInterval(poll);
  }
}

function serialize(err: unknown): SerializedFailure {
  if (err instanceof BehaviorFailure) return { kind: err.kind, message: err.message };
  if (err instanceof BehaviorAbortedError) return { kind: 'cancelled', message: err.message };
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { kind: 'crashed', message };
}

port.on('message', (message: RunnerMessage) => {
  if (message.kind === 'run') begin(message);
  else receive(message);
});
send({ kind: 'ready' });
