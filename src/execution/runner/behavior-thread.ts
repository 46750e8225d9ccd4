// Entry point of a runner thread. It runs one behavior at a time and reports back; the runner
// owns time limits and kills the thread when a behavior will not stop.
import { parentPort, workerData } from 'node:worker_threads';
import { BehaviorContext } from '../../engine/behavior';
import { BehaviorAbortedError, BehaviorFailure, SerializedFailure } from '../../engine/errors';
import { behaviorDefinition, loadBehaviorModules } from '../../engine/catalog';
import {
  RunMessage,
  STOP_CANCEL,
  STOP_NONE,
  STOP_SOFT_TIMEOUT,
  ThreadMessage,
  ThreadSettings,
} from './protocol';
import { threadServices } from './thread-services';

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
  return code === STOP_SOFT_TIMEOUT ? 'soft_timeout' : code === STOP_CANCEL ? 'cancelled' : '';
}

async function run(message: RunMessage): Promise<void> {
  const flag = new Int32Array(message.stopFlag);
  const controller = new AbortController();
  // Async waits (LLM calls, timers) learn of a stop through the signal; poll the flag for them.
  const poll = setInterval(() => {
    const code = Atomics.load(flag, 0);
    if (code !== STOP_NONE && !controller.signal.aborted) controller.abort(stopReason(code));
  }, 5);
  const ctx: BehaviorContext<unknown> = {
    students: message.students,
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
    const result = await behaviorDefinition(message.type).run(ctx);
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

port.on('message', (message: RunMessage) => {
  void run(message);
});
send({ kind: 'ready' });
