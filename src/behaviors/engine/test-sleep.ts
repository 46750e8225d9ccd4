import { BehaviorFn } from './behavior';
import { BehaviorInputError } from './errors';

const STEP_MS = 10;
const blocker = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread like CPU-bound work would, without burning a core. */
function blockFor(ms: number): void {
  Atomics.wait(blocker, 0, 0, ms);
}

/**
 * Test-only behavior for exercising the runner: it works for `duration_ms` in small blocking
 * steps. With `honour_signal` it stops at the next step after a cancel or soft limit; without
 * it, it keeps the thread busy so only a kill can end it.
 */
export const testSleep: BehaviorFn<'test_sleep'> = (ctx) => {
  const { duration_ms: duration, honour_signal: honour, fail_with: failWith } = ctx.config;
  const started = Date.now();
  let lastReported = 0;
  ctx.progress(40, 'Sleeping...');
  while (Date.now() - started < duration) {
    if (honour) ctx.checkpoint();
    blockFor(Math.min(STEP_MS, duration - (Date.now() - started)));
    const pct = 40 + Math.floor((45 * (Date.now() - started)) / Math.max(1, duration));
    if (pct >= lastReported + 5) {
      lastReported = pct;
      ctx.progress(Math.min(85, pct), 'Sleeping...');
    }
  }
  if (failWith !== null) throw new BehaviorInputError(failWith);
  return Promise.resolve({ metadata: { label: ctx.config.label, slept_ms: Date.now() - started } });
};
