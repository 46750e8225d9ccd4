import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import { BehaviorFailure } from '../engine/errors';
import { appConfigOf, TypedConfigService } from '../config/config.module';
import { FinalState, Metrics } from '../observability/metrics';
import { QUEUE_REDIS, REDIS } from '../redis/redis.module';
import { RedisKeys } from '../redis/redis-keys';
import { taskLog } from './task-log';
import {
  ExecutionMode,
  HistoryEntry,
  TaskLifecycle as Lifecycle,
  TaskRecord,
  TaskStage,
} from './task.types';

export interface NewTask {
  id: string;
  deployment_id: string;
  behavior_number: string;
  behavior_type: string;
  mode: ExecutionMode;
}

export interface SuccessOutput {
  /** The full result document (behavior result plus execution_time, executed_at, task_id). */
  result: string;
  variable: { name: string; value: string } | null;
  groupsCreated: number | null;
  themesCreated: number | null;
}

/** What ending a task needs to know of it. */
export type EndingTask = Pick<
  TaskRecord,
  | 'id'
  | 'deployment_id'
  | 'behavior_number'
  | 'behavior_type'
  | 'started_at'
  | 'input_student_count'
>;

export type FinishOutcome = 'ok' | 'cancel' | 'terminal' | 'missing';
export type StartOutcome =
  { outcome: 'ok'; attempt: number } | { outcome: 'cancel' | 'terminal' | 'missing'; attempt: 0 };
export type RequeueOutcome = 'ok' | 'stale' | 'terminal' | 'missing';
export type CreateOutcome =
  | { created: true }
  | { created: false; holder: string }
  /** The deployment changed (or went) since the caller read it. */
  | { created: false; stale: true };

type Args = (string | number)[];
interface TaskScripts {
  taskCreate(...args: Args): Promise<['created' | 'stale'] | ['held', string]>;
  taskStart(...args: Args): Promise<[string, number]>;
  taskRenew(...args: Args): Promise<number>;
  taskRequeue(...args: Args): Promise<string>;
  taskProgress(...args: Args): Promise<number>;
  taskRequestCancel(...args: Args): Promise<string>;
  taskFinish(...args: Args): Promise<string>;
}

/** Every field of a NewTask, in the order the record gets them (the type checks it is all). */
const NEW_TASK_FIELDS = [
  'id',
  'deployment_id',
  'behavior_number',
  'behavior_type',
  'mode',
] as const satisfies readonly (keyof NewTask)[];
const allNewTaskFields: Exclude<keyof NewTask, (typeof NEW_TASK_FIELDS)[number]> extends never
  ? true
  : never = true;
void allNewTaskFields;

/** Each script's guarantees are written at the top of its file in ./lua. */
type ScriptFile = [keyof TaskScripts, string, number];
const CREATE: ScriptFile = ['taskCreate', 'create.lua', 4];
const SCRIPTS: ScriptFile[] = [
  CREATE,
  ['taskStart', 'start.lua', 3],
  ['taskRenew', 'renew.lua', 2],
  ['taskRequeue', 'requeue.lua', 2],
  ['taskProgress', 'progress.lua', 1],
  ['taskRequestCancel', 'request-cancel.lua', 1],
  ['taskFinish', 'finish.lua', 5],
];

function defineScript(client: Redis, [name, file, numberOfKeys]: ScriptFile): void {
  if (name in client) return;
  const lua = readFileSync(join(__dirname, 'lua', file), 'utf8');
  client.defineCommand(name, { numberOfKeys, lua });
}

const HISTORY_MAX = 1000;

/**
 * The only writer of task state. Every change is one Lua script, so two processes (an API
 * cancelling, a worker finishing) can never both win: the first terminal write sticks and the
 * other sees it.
 */
@Injectable()
export class TaskLifecycle {
  private readonly logger = new Logger(TaskLifecycle.name);
  private readonly redis: Redis & TaskScripts;
  /** Where an async task is created: its job is sent on the same connection, right behind. */
  private readonly producer: Redis & TaskScripts;
  private readonly retentionSeconds: number;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly keys: RedisKeys,
    @Inject(ConfigService) config: TypedConfigService,
    /** Each final state is counted by the process whose write won, so exactly once. */
    @Optional() private readonly metrics?: Metrics,
    @Optional() @Inject(QUEUE_REDIS) producer?: Redis,
  ) {
    this.retentionSeconds = appConfigOf(config).taskRetentionSeconds;
    for (const script of SCRIPTS) defineScript(redis, script);
    this.redis = redis as Redis & TaskScripts;
    if (producer !== undefined) defineScript(producer, CREATE);
    this.producer = (producer ?? redis) as Redis & TaskScripts;
  }

  /**
   * Creates the task and takes the behavior's lock; names the holder when it is taken. Nothing is
   * created when the deployment's stored JSON no longer has the SHA-1 `deploymentSha1` (it was
   * edited or deleted since the caller read it): the caller reads it again. Sent at once, on the
   * connection the task's next command goes on (its job's add, or its synchronous run's reads),
   * so that a caller may send that command right behind it.
   */
  async create(task: NewTask, deploymentSha1: string): Promise<CreateOutcome> {
    // Field/value pairs written out: a spread object literal flattened with entries().flat() was
    // 5% of the API's CPU under a load of triggers on Node 20 (see task-log.ts).
    const fields: string[] = [];
    for (const field of NEW_TASK_FIELDS) fields.push(field, task[field]);
    // prettier-ignore
    fields.push(
      'lifecycle', 'queued',
      'stage', 'pending',
      'progress', '0',
      'status', 'Task is waiting to be processed...',
      'created_at', new Date().toISOString(),
    );
    const client = task.mode === 'async' ? this.producer : this.redis;
    const [outcome, holder] = await client.taskCreate(
      this.keys.behaviorLock(task.deployment_id, task.behavior_number),
      this.keys.task(task.id),
      this.keys.deploymentTasks(task.deployment_id),
      this.keys.deployment(task.deployment_id),
      task.id,
      this.keys.taskPrefix(),
      deploymentSha1,
      ...fields,
    );
    if (outcome === 'stale') return { created: false, stale: true };
    if (outcome === 'held') return { created: false, holder };
    const what = task.mode === 'async' ? 'queued' : 'accepted for a synchronous run';
    this.logger.log(
      taskLog(task, 'queued', { mode: task.mode }),
      `Task ${task.id} ${what}: behavior ${task.behavior_number} (${task.behavior_type}) of deployment ${task.deployment_id}`,
    );
    return { created: true };
  }

  /**
   * Starts an attempt holding a lease until `leaseUntil` (ms since the epoch), if the task belongs
   * to `deploymentId`. It counts the class itself: a run sends it with its reads, not after them.
   */
  async start(taskId: string, deploymentId: string, leaseUntil: number): Promise<StartOutcome> {
    const [outcome, attempt] = await this.redis.taskStart(
      this.keys.task(taskId),
      this.keys.leases(),
      this.keys.submissions(deploymentId),
      new Date().toISOString(),
      'Initializing behavior execution...',
      deploymentId,
      leaseUntil,
    );
    return { outcome, attempt } as StartOutcome;
  }

  /** Extends a running attempt's lease; false when the attempt no longer holds the task. */
  async renew(taskId: string, attempt: number, leaseUntil: number): Promise<boolean> {
    const renewed = await this.redis.taskRenew(
      this.keys.task(taskId),
      this.keys.leases(),
      attempt,
      leaseUntil,
    );
    return renewed === 1;
  }

  /** Puts a running attempt back to waiting (its worker stopped before it finished). */
  async requeue(taskId: string, attempt: number, status: string): Promise<RequeueOutcome> {
    const outcome = (await this.redis.taskRequeue(
      this.keys.task(taskId),
      this.keys.leases(),
      attempt,
      status,
    )) as RequeueOutcome;
    if (outcome === 'ok')
      this.logger.warn({ taskId, event: 'requeued', attempt }, `Task ${taskId}: ${status}`);
    return outcome;
  }

  /** Ids of running attempts whose lease ran out before `now` (oldest first, at most `limit`). */
  async expiredLeases(now: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.leases(), 0, now, 'LIMIT', 0, limit);
  }

  async progress(
    taskId: string,
    progress: number,
    stage: TaskStage,
    status: string,
  ): Promise<void> {
    await this.redis.taskProgress(this.keys.task(taskId), Math.round(progress), stage, status);
  }

  /** Records a cancel request; returns the lifecycle it found, or 'missing'. */
  async requestCancel(taskId: string, reason: string): Promise<Lifecycle | 'missing'> {
    return (await this.redis.taskRequestCancel(this.keys.task(taskId), reason)) as
      Lifecycle | 'missing';
  }

  succeed(record: EndingTask, output: SuccessOutput): Promise<FinishOutcome> {
    const finishedAt = new Date();
    return this.finish(record, 'succeeded', finishedAt, {
      fields: {
        stage: 'completed',
        status: 'Task completed successfully',
        progress: '100',
        result: output.result,
      },
      history: this.history(record, finishedAt, {
        success: true,
        outcome: 'succeeded',
        output_groups_created: output.groupsCreated,
        output_themes_created: output.themesCreated,
        error_message: null,
      }),
      variable: output.variable,
      failure: null,
    });
  }

  fail(record: EndingTask, failure: BehaviorFailure): Promise<FinishOutcome> {
    const cancelled = failure.kind === 'cancelled';
    const finishedAt = new Date();
    return this.finish(record, cancelled ? 'cancelled' : 'failed', finishedAt, {
      fields: {
        stage: cancelled ? 'cancelled' : 'failed',
        status: cancelled
          ? `Task was cancelled: ${failure.message}`
          : `Task failed: ${failure.message}`,
        error: failure.message,
        error_kind: failure.kind,
      },
      history: this.history(record, finishedAt, {
        success: false,
        outcome: cancelled ? 'cancelled' : 'failed',
        output_groups_created: null,
        output_themes_created: null,
        error_message: failure.message,
      }),
      variable: null,
      failure,
    });
  }

  /** Removes every task record of a deployment (when the deployment itself is deleted). */
  async deleteAllFor(deploymentId: string): Promise<void> {
    const ids = await this.redis.smembers(this.keys.deploymentTasks(deploymentId));
    const keys = ids.map((id) => this.keys.task(id));
    if (keys.length > 0) await this.redis.unlink(...keys);
    await this.redis.unlink(this.keys.deploymentTasks(deploymentId));
  }

  private async finish(
    record: EndingTask,
    lifecycle: FinalState,
    finishedAt: Date,
    end: {
      fields: Record<string, string>;
      history: HistoryEntry;
      variable: { name: string; value: string } | null;
      failure: BehaviorFailure | null;
    },
  ): Promise<FinishOutcome> {
    const pairs: string[] = [];
    for (const [field, value] of Object.entries(end.fields)) pairs.push(field, value);
    pairs.push('finished_at', finishedAt.toISOString());
    const outcome = (await this.redis.taskFinish(
      this.keys.task(record.id),
      this.keys.behaviorLock(record.deployment_id, record.behavior_number),
      this.keys.history(record.deployment_id),
      this.keys.variables(record.deployment_id),
      this.keys.leases(),
      record.id,
      lifecycle,
      this.retentionSeconds,
      JSON.stringify(end.history),
      HISTORY_MAX,
      end.variable?.name ?? '',
      end.variable?.value ?? '',
      ...pairs,
    )) as FinishOutcome;
    if (outcome === 'ok') this.ended(record, lifecycle, finishedAt, end.failure);
    return outcome;
  }

  /** The one line and the metrics of a task's end, from the process whose write won. */
  private ended(
    record: EndingTask,
    lifecycle: FinalState,
    finishedAt: Date,
    failure: BehaviorFailure | null,
  ): void {
    const started = record.started_at ? Date.parse(record.started_at) : null;
    const ranMs = started === null ? null : finishedAt.getTime() - started;
    this.metrics?.taskEnded(record.behavior_type, lifecycle, ranMs, failure?.kind ?? null);
    // A thread stopped by force (hard limit, or a cancel not honoured in time) was killed.
    const killed =
      failure !== null &&
      (failure.kind === 'hard_timeout' || / was killed\b/.test(failure.message));
    const event = killed ? 'killed' : lifecycle;
    const took = ranMs === null ? '' : ` after ${(ranMs / 1000).toFixed(3)} s`;
    const fields = taskLog(record, event, { state: lifecycle, durationMs: ranMs });
    if (failure === null) {
      this.logger.log(fields, `Task ${record.id} succeeded${took}`);
      return;
    }
    const line = `Task ${record.id} ${killed ? 'killed' : lifecycle}${took}: ${failure.message}`;
    const detail = Object.assign(fields, { failureKind: failure.kind });
    if (lifecycle === 'cancelled') this.logger.log(detail, line);
    else this.logger.warn(detail, line);
  }

  private history(
    record: EndingTask,
    finishedAt: Date,
    outcome: Pick<
      HistoryEntry,
      'success' | 'outcome' | 'output_groups_created' | 'output_themes_created' | 'error_message'
    >,
  ): HistoryEntry {
    const started = record.started_at ? Date.parse(record.started_at) : null;
    return {
      execution_id: randomUUID(),
      task_id: record.id,
      behavior_number: record.behavior_number,
      behavior_type: record.behavior_type,
      started_at: record.started_at,
      finished_at: finishedAt.toISOString(),
      execution_time_seconds: started === null ? null : (finishedAt.getTime() - started) / 1000,
      input_student_count: record.input_student_count,
      ...outcome,
    };
  }
}
