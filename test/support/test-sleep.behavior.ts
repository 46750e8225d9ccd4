import { BehaviorContext } from '../../src/engine/behavior';
import { BehaviorDefinition } from '../../src/engine/catalog';
import { BehaviorInputError } from '../../src/engine/errors';

/** Loaded through BEHAVIOR_MODULES by the tests (see testConfig); never part of the service. */
export interface TestSleepConfig {
  duration_ms: number;
  honour_signal: boolean;
  fail_with: string | null;
  label: string;
}

export interface SleepResult {
  metadata: { label: string; slept_ms: number };
}

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
function testSleep(ctx: BehaviorContext<TestSleepConfig>): Promise<SleepResult> {
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
}

const DEFAULTS: TestSleepConfig = {
  duration_ms: 1000,
  honour_signal: true,
  fail_with: null,
  label: 'Test Sleep',
};

function parseConfig(raw: Record<string, unknown>): TestSleepConfig {
  const config = { ...DEFAULTS, ...raw };
  for (const key of Object.keys(raw)) {
    if (!(key in DEFAULTS)) throw new BehaviorInputError(`${key} should not exist`);
  }
  const d = config.duration_ms;
  if (!Number.isInteger(d) || d < 0 || d > 3_600_000)
    throw new BehaviorInputError('duration_ms must be an integer from 0 to 3600000');
  if (typeof config.honour_signal !== 'boolean')
    throw new BehaviorInputError('honour_signal must be a boolean');
  if (config.fail_with !== null && typeof config.fail_with !== 'string')
    throw new BehaviorInputError('fail_with must be a string');
  if (typeof config.label !== 'string') throw new BehaviorInputError('label must be a string');
  return config;
}

const testSleepBehavior: BehaviorDefinition<TestSleepConfig, SleepResult> = {
  type: 'test_sleep',
  heavy: true,
  outputVariablePrefix: null,
  run: testSleep,
  parseConfig,
};

export const behaviors = [testSleepBehavior as BehaviorDefinition];
