import { setTimeout as sleep } from 'node:timers/promises';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { appConfigOf, TypedConfigService } from '../config/config.module';
import Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import { DeploymentsRepository } from '../deployments/deployments.repository';
import { behaviorDefinition } from '../engine/catalog';
import { BehaviorFailure } from '../engine/errors';
import { formatTimedelta } from '../engine/execution-time';
import { CancelBus } from '../queue/cancel-bus.service';
import { RunBehaviorPayload } from '../queue/jobs';
import { Metrics } from '../observability/metrics';
import { isRedisUnavailable, REDIS } from '../redis/redis.module';
import { taskLog } from '../tasks/task-log';
import { TaskLifecycle } from '../tasks/task-lifecycle.service';
import { TaskStore } from '../tasks/task.store';
import { StoredVariable, TaskRecord, TaskStage, TERMINAL } from '../tasks/task.types';
import { ProgressUpdate } from '../engine/types';
import { QUEUE_RUNNER, SYNC_RUNNER } from './runner.provider';
import { BehaviorRunner, StoredClass } from './runner/behavior-runner';
import { EncodedResult, spliceJson } from './runner/encoded-result';
import { HeldProgress } from './held-progress';

export type RunResult = Record<string, unknown> & {
  success: true;
  behavior_type: string;
  execution_time: string;
  task_id: string;
};

const END_WRITE_RETRY_MS = 60_000;

export const INTERRUPTED_BY_SHUTDOWN =
  'The service was shutting down; the run was stopped before it finished';
const STOPPED_WORKER_STATUS =
  'Waiting to be retried: the worker running it was stopped before it finished';
const LOST_WORKER_STATUS = 'Waiting to be retried: the worker running it stopped responding';
const END_WRITE_RETRY_INTERVAL_MS = 250;
/**
 * How long a job first waits before another try when this process could not reach Redis to start
 * it (the queue's connection may come back before the store's; each reconnects on its own). The
 * processor waits longer on each later try.
 */
const UNREACHABLE_RETRY_MS = 1000;

/**
 * Progress of a run younger than this is held back (only the latest is kept): most light runs
 * end before it, with no progress written. Far below any poll interval a client would use.
 */
const PROGRESS_HOLD_MS = 100;

/** A class this small may be read ahead of its task's creation (see `readsAhead`). */
const READ_AHEAD_MAX_BYTES = 256 * 1024;
const CLASS_BYTES_REMEMBERED = 10_000;

/** From this many students a result is large enough (~100 kB) to take a while to arrive. */
const LARGE_RESULT_FROM_STUDENTS = 1_000;

/** A cancel request received for a task while this process runs it. */
interface CancelRequest {
  reason: string | null;
}

/**
 * A run's reads and start failed because Redis was out of reach. Its start may still have
 * landed (a reply lost with its connection): then the next try starts it as its next attempt.
 * The message is the client's, so the HTTP layer still sees a Redis outage in it (503).
 */
class StartUnreachable extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'StartUnreachable';
  }
}

/** Aborting a run with this reason hands the task back to its queue instead of failing it. */
export const REQUEUE = Symbol('requeue');

export type ExecutionOutcome =
  /** The result as stored: JSON of a RunResult. */
  | { kind: 'succeeded'; resultJson: string }
  | { kind: 'failed'; failure: BehaviorFailure }
  /** The worker is stopping: the task was put back to waiting, for another worker. */
  | { kind: 'requeued' }
  /** Redis could not be reached to start it: the job should come back after `delayMs`. */
  | { kind: 'postponed'; delayMs: number }
  /** Nothing ran: the task was already finished or has gone (its deployment was deleted). */
  | { kind: 'skipped' };

/**
 * Runs one task from start to end, for a queue worker and for a synchronous request alike:
 * reads the deployment and students from Redis at run time (so an edited config is what runs),
 * hands them to a runner thread, and records the outcome.
 */
@Injectable()
export class ExecutionService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ExecutionService.name);
  private readonly leaseMs: number;
  private readonly shutdownGraceMs: number;
  /** Synchronous runs in flight in this process, to stop them within a bound at shutdown. */
  /** The last stage logged for each task running here (a new stage is an info line). */
  private readonly stages = new Map<string, TaskStage>();
  /** Bytes of each deployment's class at its last run here (bounded, least recent dropped). */
  private readonly classBytes = new LRUCache<string, number>({ max: CLASS_BYTES_REMEMBERED });
  private readonly syncRuns = new Map<
    string,
    { controller: AbortController; done: Promise<unknown> }
  >();

  constructor(
    private readonly store: TaskStore,
    private readonly lifecycle: TaskLifecycle,
    private readonly deployments: DeploymentsRepository,
    private readonly bus: CancelBus,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(ConfigService) config: TypedConfigService,
    @Optional() @Inject(SYNC_RUNNER) private readonly syncRunner?: BehaviorRunner,
    @Optional() @Inject(QUEUE_RUNNER) private readonly queueRunner?: BehaviorRunner,
    @Optional() private readonly metrics?: Metrics,
  ) {
    const app = appConfigOf(config);
    this.leaseMs = app.taskLeaseMs;
    this.shutdownGraceMs = app.shutdownGraceMs;
  }

  /**
   * Whether a synchronous run on this deployment may read its class before its task is known
   * to exist (sent behind the creation, one round trip for both): only where this process has
   * seen the class to be small, since a creation refused with 409 has read it for nothing.
   */
  readsAhead(deploymentId: string): boolean {
    return (this.classBytes.get(deploymentId) ?? Infinity) <= READ_AHEAD_MAX_BYTES;
  }

  private rememberClassBytes(deploymentId: string, stored: readonly Uint8Array[]): void {
    let bytes = 0;
    for (const s of stored) bytes += s.length;
    this.classBytes.set(deploymentId, bytes);
  }

  /** A synchronous run, in this process's sync threads; a cancel request aborts it. */
  async runSync(taskId: string, deploymentId: string): Promise<ExecutionOutcome> {
    const controller = new AbortController();
    const run = this.runRegistered(
      taskId,
      deploymentId,
      this.requireRunner(this.syncRunner, 'sync'),
      controller.signal,
      (reason) => controller.abort(reason),
    );
    this.syncRuns.set(taskId, { controller, done: run.catch(() => undefined) });
    try {
      return await run;
    } finally {
      this.syncRuns.delete(taskId);
    }
  }

  /**
   * At shutdown, synchronous runs get `SHUTDOWN_GRACE_MS` to finish; the rest are stopped and
   * fail as interrupted (their callers get 503), so the process ends within a stated bound.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const runs = [...this.syncRuns.values()];
    if (runs.length === 0) return;
    const all = Promise.all(runs.map((r) => r.done));
    const timer = new Promise((r) => setTimeout(r, this.shutdownGraceMs).unref());
    await Promise.race([all, timer]);
    for (const r of runs) r.controller.abort(INTERRUPTED_BY_SHUTDOWN);
    await all;
  }

  /**
   * A queue job, in this process's queue threads. `signal` is the queue's own abort signal and
   * `cancelJob` asks the queue to fire it, so a cancel goes through the queue's bookkeeping.
   */
  async runJob(
    job: RunBehaviorPayload,
    signal: AbortSignal,
    cancelJob: (reason: string) => void,
  ): Promise<ExecutionOutcome> {
    const runner = this.requireRunner(this.queueRunner, 'queue');
    try {
      return await this.runRegistered(job.task_id, job.deployment_id, runner, signal, cancelJob);
    } catch (err) {
      // Failing the job would leave its task waiting for ever: with Redis out of reach, nothing
      // can record the failure either. The job goes back to the queue and is tried again. Only
      // for a run that could not start: any later error fails the job as before.
      if (!(err instanceof StartUnreachable)) throw err;
      this.logger.warn(
        { taskId: job.task_id, deploymentId: job.deployment_id, event: 'postponed' },
        `Task ${job.task_id}: Redis unreachable from this worker as it was to start; back on ` +
          'the queue for another try',
      );
      return { kind: 'postponed', delayMs: UNREACHABLE_RETRY_MS };
    }
  }

  /**
   * BullMQ found the job's worker lost (its lock expired) and put the job back on the queue:
   * show the task as waiting to be retried until another worker starts it again.
   */
  async markLost(taskId: string): Promise<void> {
    const record = await this.store.get(taskId).catch(() => null);
    if (record === null || record.lifecycle !== 'running') return;
    // Another worker may already have started it again: its fresh lease says so; leave it be.
    if ((record.lease_until ?? 0) > Date.now()) return;
    await this.lifecycle.requeue(taskId, record.attempt, LOST_WORKER_STATUS).catch(() => undefined);
  }

  /** A job can also fail outside its run (stalled too often after its worker died). */
  async failOutsideRun(taskId: string, message: string): Promise<void> {
    const record = await this.store.get(taskId).catch((err: unknown) => {
      this.logger.error(
        { taskId, event: 'failed-outside-run' },
        `Task ${taskId} failed outside its run (${message}) and its record could not be ` +
          `read to say so: ${err instanceof Error ? err.message : String(err)}`,
      );
      return null;
    });
    if (record === null || TERMINAL.includes(record.lifecycle)) return;
    this.logger.warn(
      taskLog(record, 'failed-outside-run'),
      `Task ${record.id} failed outside its run: ${message}`,
    );
    await this.lifecycle
      .fail(record, new BehaviorFailure('crashed', message))
      .catch(() => undefined);
  }

  private async runRegistered(
    taskId: string,
    deploymentId: string,
    runner: BehaviorRunner,
    signal: AbortSignal,
    onCancel: (reason: string) => void,
  ): Promise<ExecutionOutcome> {
    // This process runs the task: cancel requests published for it are ours to act on. The
    // request is remembered too: its record already says cancelled-requested, so a result that
    // arrives after it can only be refused, and is dropped without being written.
    const cancel: CancelRequest = { reason: null };
    const unregister = this.bus.register(taskId, (reason) => {
      cancel.reason ??= reason; // the first request's reason is the one the record keeps
      onCancel(reason);
    });
    try {
      return await this.execute({ taskId, deploymentId, cancel }, runner, signal);
    } finally {
      unregister();
    }
  }

  private requireRunner(runner: BehaviorRunner | undefined, role: string): BehaviorRunner {
    if (runner === undefined) throw new Error(`This process has no ${role} runner threads`);
    return runner;
  }

  private async execute(
    task: { taskId: string; deploymentId: string; cancel: CancelRequest },
    runner: BehaviorRunner,
    signal: AbortSignal,
  ): Promise<ExecutionOutcome> {
    const { taskId, deploymentId } = task;
    const startedAt = new Date();
    const t0 = process.hrtime.bigint();
    this.stages.delete(taskId);
    // Read at run time, not at trigger time, so an edited config is what runs. The start goes
    // with the reads (commands on one connection run in order): one round trip, not two. It
    // starts only a task of this deployment that is neither finished nor being cancelled.
    const [queued, deployment, stored, started] = await Promise.all([
      this.store.get(taskId),
      this.deployments.get(deploymentId),
      this.deployments.storedClass(deploymentId),
      this.lifecycle.start(taskId, deploymentId, Date.now() + this.leaseMs),
    ]).catch((err: unknown) => {
      throw isRedisUnavailable(err, this.redis) ? new StartUnreachable(err) : err;
    });
    this.rememberClassBytes(deploymentId, stored);
    if (started.outcome === 'missing' || started.outcome === 'terminal') return { kind: 'skipped' };
    // Started, but read before it existed: only if Redis ran a command of this batch late (a
    // script it had to load again). Read it again rather than leave a started task behind.
    const found = queued ?? (await this.store.get(taskId));
    if (found === null) return { kind: 'skipped' };
    const students: StoredClass = { kind: 'stored', students: stored };
    const record: TaskRecord = Object.assign({}, found, {
      lifecycle: 'running',
      started_at: startedAt.toISOString(),
      input_student_count: stored.length,
    } satisfies Partial<TaskRecord>);
    if (started.outcome === 'cancel') {
      const latest = await this.store.get(taskId);
      return this.fail(
        record,
        new BehaviorFailure('cancelled', latest?.cancel_reason ?? 'Cancelled'),
      );
    }
    const behavior = deployment?.behaviors[record.behavior_number];
    if (deployment === null || behavior === undefined) {
      const what =
        deployment === null
          ? `Deployment ${record.deployment_id}`
          : `Behavior ${record.behavior_number}`;
      return this.fail(record, new BehaviorFailure('input', `${what} no longer exists`));
    }

    this.metrics?.taskStarted(
      record.behavior_type,
      startedAt.getTime() - Date.parse(found.created_at),
    );
    this.logger.log(
      taskLog(record, 'started', { attempt: started.attempt, students: stored.length }),
      `Task ${taskId} started: behavior ${record.behavior_number} (${behavior.type}) of ` +
        `deployment ${record.deployment_id}, attempt ${started.attempt}, ${stored.length} students`,
    );
    // The lease says this process is alive and working on the task; a crash lets it lapse.
    const renewal = setInterval(
      () => {
        this.lifecycle
          .renew(taskId, started.attempt, Date.now() + this.leaseMs)
          .catch(() => undefined);
      },
      Math.max(250, Math.floor(this.leaseMs / 3)),
    );
    renewal.unref();
    this.stages.set(taskId, 'initialization');
    const progress = new HeldProgress(
      (u) => this.writeProgress(record, u.progress, u.stage as TaskStage, u.status),
      Date.now() + PROGRESS_HOLD_MS,
    );
    try {
      return await this.runAndRecord(record, behavior, students, runner, signal, started.attempt, {
        startedAt,
        t0,
        cancel: task.cancel,
        progress,
      });
    } finally {
      clearInterval(renewal);
      this.stages.delete(taskId);
      progress.close();
    }
  }

  private async runAndRecord(
    record: TaskRecord,
    behavior: { type: string; config: unknown },
    students: StoredClass,
    runner: BehaviorRunner,
    signal: AbortSignal,
    attempt: number,
    context: { startedAt: Date; t0: bigint; cancel: CancelRequest; progress: HeldProgress },
  ): Promise<ExecutionOutcome> {
    const taskId = record.id;
    const { startedAt, t0, cancel, progress } = context;
    const report = (update: ProgressUpdate) => this.reportProgress(record, update, progress);
    let output: EncodedResult;
    try {
      // Progress writes are not awaited: commands on one connection run in order, so they
      // still land before the final state, and the run does not wait on them. They are held
      // back for the run's first PROGRESS_HOLD_MS (see HeldProgress).
      report({ progress: 30, stage: 'execution', status: 'Executing behavior...' });
      output = await runner.runEncoded(behavior.type, behavior.config, students, {
        signal,
        // A shutdown stops the behavior, but a result it already has is still saved.
        isInterruption: (reason) => reason === REQUEUE || reason === INTERRUPTED_BY_SHUTDOWN,
        onProgress: report,
      });
    } catch (err) {
      if (signal.aborted && signal.reason === REQUEUE) return this.requeue(record, attempt);
      if (signal.aborted && signal.reason === INTERRUPTED_BY_SHUTDOWN) {
        return this.fail(record, new BehaviorFailure('interrupted', INTERRUPTED_BY_SHUTDOWN));
      }
      const failure =
        err instanceof BehaviorFailure
          ? err
          : new BehaviorFailure('crashed', err instanceof Error ? err.message : String(err));
      if (failure.kind === 'crashed')
        this.logger.error(taskLog(record, 'crashed'), `Task ${taskId} crashed: ${failure.message}`);
      return this.fail(record, failure);
    }

    // Cancelled after the behavior's last checkpoint: the final write would refuse the result.
    // For a large class, two turns of the event loop first: the run may have ended in the same
    // turn as a cancel message reached the socket, which is read only at the next turn's poll
    // phase, and the result about to be written is a megabyte. Not for a usual class, whose
    // result is small: a synchronous run would wait behind whatever else the loop holds. Best
    // effort: a cancel read later is still refused by the final write (finish.lua).
    if (students.students.length >= LARGE_RESULT_FROM_STUDENTS)
      await new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));
    if (cancel.reason !== null)
      return this.fail(record, new BehaviorFailure('cancelled', cancel.reason));
    report({ progress: 90, stage: 'saving', status: 'Saving results...' });
    const micros = Number(process.hrtime.bigint() - t0) / 1000;
    // The thread's JSON is spliced, never parsed here: a large result stays one flat string.
    // The service's fields come after the output, so a behavior cannot claim another type
    // (clients narrow on it); the thread has already dropped any the behavior set.
    const result = spliceJson({ success: true }, output.json, {
      behavior_type: behavior.type,
      execution_time: formatTimedelta(micros),
      executed_at: startedAt.toISOString(),
      task_id: taskId,
    });
    const written = await this.persistEnd(taskId, () =>
      this.lifecycle.succeed(record, {
        result,
        variable: outputVariable(behavior.type, record.behavior_number, output.variable, taskId),
        groupsCreated: output.groups,
        themesCreated: output.themes,
      }),
    );
    if (written === 'cancel') {
      // A cancel arrived after the behavior's last checkpoint: honour it, drop the result.
      const latest = await this.store.get(taskId).catch(() => null);
      return this.fail(
        record,
        new BehaviorFailure('cancelled', latest?.cancel_reason ?? 'Cancelled'),
      );
    }
    return written === 'ok' ? { kind: 'succeeded', resultJson: result } : { kind: 'skipped' };
  }

  /**
   * Writes a task's end, retrying while Redis is unreachable: a run that took minutes must not
   * be left PROGRESS for ever because Redis blinked as it finished. Bounded, then it gives up.
   */
  private async persistEnd<T>(taskId: string, write: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + END_WRITE_RETRY_MS;
    for (;;) {
      try {
        return await write();
      } catch (err) {
        if (!isRedisUnavailable(err, this.redis) || Date.now() > deadline) throw err;
        this.logger.warn(
          { taskId, event: 'end-write-retry' },
          `Task ${taskId}: Redis unreachable while recording its end; retrying`,
        );
        await sleep(END_WRITE_RETRY_INTERVAL_MS);
      }
    }
  }

  private async requeue(record: TaskRecord, attempt: number): Promise<ExecutionOutcome> {
    const put = await this.persistEnd(record.id, () =>
      this.lifecycle.requeue(record.id, attempt, STOPPED_WORKER_STATUS),
    );
    return put === 'ok' ? { kind: 'requeued' } : { kind: 'skipped' };
  }

  /**
   * Records progress. Each new stage is an info line, the steps within one (which can come every
   * half second) debug lines, so LOG_LEVEL=debug follows a run step by step. The write itself
   * goes through the run's HeldProgress.
   */
  private reportProgress(record: TaskRecord, update: ProgressUpdate, held: HeldProgress): void {
    const taskId = record.id;
    const stage = update.stage as TaskStage;
    const newStage = this.stages.get(taskId) !== stage;
    this.stages.set(taskId, stage);
    const fields = taskLog(record, newStage ? 'stage' : 'progress', {
      stage,
      progress: update.progress,
    });
    const line = `Task ${taskId} ${stage} ${Math.round(update.progress)}%: ${update.status}`;
    if (newStage) this.logger.log(fields, line);
    else this.logger.debug(fields, line);
    held.report(update);
  }

  private writeProgress(
    record: TaskRecord,
    progress: number,
    stage: TaskStage,
    status: string,
  ): void {
    this.lifecycle.progress(record.id, progress, stage, status).catch((err: unknown) => {
      this.logger.warn(
        taskLog(record, 'progress-not-saved'),
        `Progress of task ${record.id} not saved: ${err instanceof Error ? err.message : String(err)}`,
      );
    });
  }

  private async fail(record: TaskRecord, failure: BehaviorFailure): Promise<ExecutionOutcome> {
    const written = await this.persistEnd(record.id, () => this.lifecycle.fail(record, failure));
    return written === 'ok' ? { kind: 'failed', failure } : { kind: 'skipped' };
  }
}

/** `group_{n}` holds `{"Group1": [names]}`, `theme_{n}` the theme list, for later pages. */
function outputVariable(
  type: string,
  behaviorNumber: string,
  valueJson: string | null,
  taskId: string,
): { name: string; value: string } | null {
  const prefix = behaviorDefinition(type).outputVariablePrefix;
  if (prefix === null || valueJson === null) return null;
  const name = `${prefix}_${behaviorNumber}`;
  // A StoredVariable, spliced around the value the thread serialized.
  const value = spliceJson({ name }, `{"value":${valueJson}}`, {
    task_id: taskId,
    updated_at: new Date().toISOString(),
  } satisfies Omit<StoredVariable, 'name' | 'value'>);
  return { name, value };
}
