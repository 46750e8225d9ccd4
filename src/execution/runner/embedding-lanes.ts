import { cpus } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { inThreadLanes, LaneSource, TokenLane } from '../../engine/vectors/use-lite/provider';

export interface EmbedRequest {
  id: number;
  tokens: Int32Array[];
}

export type EmbedReply =
  { id: number; data: Float32Array; d: number } | { id: number; error: string };

/** Padded tokens per batch in a helper thread: ~60 ms of work on ONNX Runtime (~250 ms on TFJS). */
const HELPER_TOKEN_BUDGET = 512;
const MAX_HELPERS = 2;
/** Below this many uncached answers one helper is enough (a second would only load a model). */
const TWO_HELPERS_FROM = 64;

function startHelper(): Worker {
  const fromSource = __filename.endsWith('.ts');
  const entry = join(__dirname, fromSource ? 'embedding-thread.ts' : 'embedding-thread.js');
  const worker = fromSource
    ? new Worker("require('tsx/cjs/api').register();" + `require(${JSON.stringify(entry)});`, {
        eval: true,
      })
    : new Worker(entry);
  return worker;
}

class HelperLane implements TokenLane {
  readonly tokenBudget = HELPER_TOKEN_BUDGET;
  private readonly worker = startHelper();
  private nextId = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (v: Float32Array[]) => void; reject: (e: Error) => void }
  >();
  failed: Error | null = null;

  constructor() {
    this.worker.on('message', (reply: EmbedReply) => {
      const w = this.waiting.get(reply.id);
      if (!w) return;
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) this.worker.unref();
      if ('error' in reply) return w.reject(new Error(reply.error));
      const rows = reply.d === 0 ? 0 : reply.data.length / reply.d;
      w.resolve(
        Array.from({ length: rows }, (_, i) => reply.data.subarray(i * reply.d, (i + 1) * reply.d)),
      );
    });
    const fail = (err: Error) => {
      this.failed = err;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`embedding thread exited (${code})`)));
    this.worker.unref();
  }

  embedTokens(tokens: readonly Int32Array[]): Promise<Float32Array[]> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // Referenced only while it owes an answer: an idle helper never keeps a process alive.
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, tokens: [...tokens] } satisfies EmbedRequest);
    });
  }
}

/** Idle cores over the next `ms` milliseconds, from the kernel's per-CPU counters. */
async function idleCores(ms = 100): Promise<number> {
  const idle = () => cpus().reduce((s, c) => s + c.times.idle, 0);
  const total = () =>
    cpus().reduce(
      (s, c) => s + c.times.idle + c.times.user + c.times.sys + c.times.nice + c.times.irq,
      0,
    );
  const [i0, t0] = [idle(), total()];
  await new Promise((r) => setTimeout(r, ms));
  const [i1, t1] = [idle(), total()];
  return t1 > t0 ? ((i1 - i0) / (t1 - t0)) * cpus().length : 0;
}

/**
 * Lanes in helper threads, started on first use and kept warm (each holds the model, about
 * 150 MB). Two when at least one and a half cores are idle while this thread waits (the
 * behavior thread itself only tokenizes and waits), else one. If a helper cannot start, the
 * model runs in this thread.
 */
export function helperLanes(maxHelpers = MAX_HELPERS): LaneSource {
  const helpers: HelperLane[] = [];
  return async (uncached) => {
    for (let i = helpers.length - 1; i >= 0; i--) if (helpers[i].failed) helpers.splice(i, 1);
    let wanted = 1;
    if (maxHelpers > 1 && uncached >= TWO_HELPERS_FROM && cpus().length >= 2) {
      wanted = (await idleCores()) >= 1.5 ? Math.min(maxHelpers, 2) : 1;
    }
    try {
      while (helpers.length < wanted) helpers.push(new HelperLane());
    } catch {
      return inThreadLanes(uncached);
    }
    return helpers.slice(0, wanted);
  };
}
