import { cpus } from 'node:os';
import { join } from 'node:path';
import { ChildProcess, fork } from 'node:child_process';
import { inThreadWasmLanes, LaneSource, TokenLane } from '../../engine/vectors/use-lite/provider';

export interface EmbedRequest {
  id: number;
  tokens: Int32Array[];
}

export type EmbedReply =
  { id: number; data: Float32Array; d: number } | { id: number; error: string };

/** Padded tokens per batch in a helper process: ~60 ms of work on ONNX Runtime (~250 ms on TFJS). */
const HELPER_TOKEN_BUDGET = 512;
const MAX_HELPERS = 2;
/** Below this many uncached answers one helper is enough (a second would only load a model). */
const TWO_HELPERS_FROM = 64;

/**
 * Starts a helper process (see embedding-process.ts for why not a thread). The TypeScript source
 * (under Jest) needs tsx's loader, as the runner threads do.
 */
function startHelper(): ChildProcess {
  const fromSource = __filename.endsWith('.ts');
  const entry = join(__dirname, fromSource ? 'embedding-process.ts' : 'embedding-process.js');
  return fork(entry, [], {
    // Typed arrays cross the channel as such (the default JSON channel would make them objects).
    serialization: 'advanced',
    execArgv: fromSource ? ['--require', require.resolve('tsx/cjs')] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

class HelperLane implements TokenLane {
  readonly tokenBudget = HELPER_TOKEN_BUDGET;
  private readonly child = startHelper();
  private nextId = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (v: Float32Array[]) => void; reject: (e: Error) => void }
  >();
  failed: Error | null = null;

  constructor() {
    this.child.on('message', (reply: EmbedReply) => {
      const w = this.waiting.get(reply.id);
      if (!w) return;
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) this.hold(false);
      if ('error' in reply) return w.reject(new Error(reply.error));
      const rows = reply.d === 0 ? 0 : reply.data.length / reply.d;
      w.resolve(
        Array.from({ length: rows }, (_, i) => reply.data.subarray(i * reply.d, (i + 1) * reply.d)),
      );
    });
    this.child.on('error', (err) => this.fail(err));
    this.child.on('exit', (code, signal) =>
      this.fail(new Error(`embedding process exited (${code ?? signal})`)),
    );
    this.hold(false);
  }

  /** The helper is gone or cannot be reached: every answer it owes fails, and so will later asks. */
  private fail(err: Error): void {
    this.failed ??= err;
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
    this.hold(false);
  }

  /** Referenced only while it owes an answer: an idle helper never keeps a process alive. */
  private hold(busy: boolean): void {
    if (busy) {
      this.child.ref();
      this.child.channel?.ref();
    } else {
      this.child.unref();
      this.child.channel?.unref();
    }
  }

  embedTokens(tokens: readonly Int32Array[]): Promise<Float32Array[]> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.hold(true);
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, tokens: [...tokens] } satisfies EmbedRequest, (err) => {
        if (err) this.fail(err);
      });
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
 * Lanes in helper processes, started on first use and kept warm (each holds the model, about
 * 150 MB). Two when at least one and a half cores are idle while this thread waits (the
 * behavior thread itself only tokenizes and waits), else one. If a helper cannot start, the
 * model runs in this thread, on TFJS WASM.
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
      // Never ONNX Runtime in a runner thread: it is killed at its hard limit.
      return inThreadWasmLanes(uncached);
    }
    return helpers.slice(0, wanted);
  };
}
