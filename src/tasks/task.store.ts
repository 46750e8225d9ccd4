import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import { BehaviorFailureKind } from '../behaviors/engine/errors';
import { BehaviorType } from '../behaviors/engine/types';
import { appConfigOf, TypedConfigService } from '../config/config.module';
import { REDIS } from '../redis/redis.module';
import { RedisKeys } from '../redis/redis-keys';
import {
  ExecutionMode,
  HistoryEntry,
  TaskLifecycle,
  TaskRecord,
  TaskStage,
  TERMINAL,
} from './task.types';

// Every state change is one Lua script, so two processes (an API cancelling, a worker
// finishing) can never both win: the first terminal write sticks and the other sees it.
const TERMINAL_LUA =
  "local function terminal(s) return s == 'succeeded' or s == 'failed' or s == 'cancelled' end\n";

/** KEYS: lock, task, deployment tasks. ARGV: task id, task key prefix, field/value pairs... */
const CREATE = `${TERMINAL_LUA}
local holder = redis.call('GET', KEYS[1])
if holder then
  local s = redis.call('HGET', ARGV[2] .. holder, 'lifecycle')
  if s and not terminal(s) then return holder end
end
redis.call('SET', KEYS[1], ARGV[1])
local fields = {}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[2], unpack(fields))
redis.call('SADD', KEYS[3], ARGV[1])
return ''`;

/** KEYS: task. ARGV: started_at, status, input student count. Returns ok | cancel | terminal | missing. */
const START = `${TERMINAL_LUA}
local s = redis.call('HGET', KEYS[1], 'lifecycle')
if not s then return 'missing' end
if terminal(s) then return 'terminal' end
if redis.call('HGET', KEYS[1], 'cancel_reason') then return 'cancel' end
local p = tonumber(redis.call('HGET', KEYS[1], 'progress')) or 0
redis.call('HSET', KEYS[1], 'lifecycle', 'running', 'stage', 'initialization',
  'progress', math.max(p, 10), 'status', ARGV[2], 'started_at', ARGV[1], 'input_student_count', ARGV[3])
return 'ok'`;

/** KEYS: task. ARGV: progress, stage, status. Progress never goes down. */
const PROGRESS = `
local s = redis.call('HGET', KEYS[1], 'lifecycle')
if s ~= 'running' then return 0 end
local p = tonumber(redis.call('HGET', KEYS[1], 'progress')) or 0
local n = tonumber(ARGV[1])
if n < p then return 0 end
redis.call('HSET', KEYS[1], 'progress', n, 'stage', ARGV[2], 'status', ARGV[3])
return 1`;

/** KEYS: task. ARGV: reason. Returns the lifecycle before the request, or missing. */
const REQUEST_CANCEL = `${TERMINAL_LUA}
local s = redis.call('HGET', KEYS[1], 'lifecycle')
if not s then return 'missing' end
if not terminal(s) and not redis.call('HGET', KEYS[1], 'cancel_reason') then
  redis.call('HSET', KEYS[1], 'cancel_reason', ARGV[1])
end
return s`;

/**
 * KEYS: task, lock, history, variables.
 * ARGV: task id, lifecycle, retention s, history json, history max, variable name, variable json,
 *       then field/value pairs. A success is refused (returns 'cancel') once a cancel was asked.
 */
const FINISH = `${TERMINAL_LUA}
local s = redis.call('HGET', KEYS[1], 'lifecycle')
if not s then return 'missing' end
if terminal(s) then return 'terminal' end
if ARGV[2] == 'succeeded' and redis.call('HGET', KEYS[1], 'cancel_reason') then return 'cancel' end
local fields = {'lifecycle', ARGV[2]}
for i = 8, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
redis.call('LPUSH', KEYS[3], ARGV[4])
redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[5]) - 1)
if ARGV[6] ~= '' then redis.call('HSET', KEYS[4], ARGV[6], ARGV[7]) end
return 'ok'`;

interface TaskScripts {
  taskCreate(...args: (string | number)[]): Promise<string>;
  taskStart(...args: (string | number)[]): Promise<string>;
  taskProgress(...args: (string | number)[]): Promise<number>;
  taskRequestCancel(...args: (string | number)[]): Promise<string>;
  taskFinish(...args: (string | number)[]): Promise<string>;
}

export interface NewTask {
  id: string;
  deployment_id: string;
  behavior_number: string;
  behavior_type: BehaviorType;
  mode: ExecutionMode;
}

export interface Finish {
  lifecycle: 'succeeded' | 'failed' | 'cancelled';
  stage: TaskStage;
  status: string;
  progress?: number;
  result?: string;
  error?: string;
  errorKind?: BehaviorFailureKind;
  history: HistoryEntry;
  /** Saved for later pages only on success. */
  variable?: { name: string; value: string };
}

export type FinishOutcome = 'ok' | 'cancel' | 'terminal' | 'missing';
export type StartOutcome = 'ok' | 'cancel' | 'terminal' | 'missing';

const HISTORY_MAX = 1000;

/** Task records in Redis: the one place task state lives, read by every API and worker process. */
@Injectable()
export class TaskStore {
  private readonly redis: Redis & TaskScripts;
  private readonly retentionSeconds: number;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly keys: RedisKeys,
    @Inject(ConfigService) config: TypedConfigService,
  ) {
    this.retentionSeconds = appConfigOf(config).taskRetentionSeconds;
    const scripts: [string, number, string][] = [
      ['taskCreate', 3, CREATE],
      ['taskStart', 1, START],
      ['taskProgress', 1, PROGRESS],
      ['taskRequestCancel', 1, REQUEST_CANCEL],
      ['taskFinish', 4, FINISH],
    ];
    for (const [name, numberOfKeys, lua] of scripts) {
      if (!(name in redis)) redis.defineCommand(name, { numberOfKeys, lua });
    }
    this.redis = redis as Redis & TaskScripts;
  }

  /** Creates the task and takes the behavior's lock; returns the holder's id when it is taken. */
  async create(task: NewTask): Promise<{ created: true } | { created: false; holder: string }> {
    const now = new Date().toISOString();
    const fields: Record<string, string> = {
      id: task.id,
      deployment_id: task.deployment_id,
      behavior_number: task.behavior_number,
      behavior_type: task.behavior_type,
      mode: task.mode,
      lifecycle: 'queued',
      stage: 'pending',
      progress: '0',
      status: 'Task is waiting to be processed...',
      created_at: now,
    };
    const holder = await this.redis.taskCreate(
      this.keys.behaviorLock(task.deployment_id, task.behavior_number),
      this.keys.task(task.id),
      this.keys.deploymentTasks(task.deployment_id),
      task.id,
      this.keys.taskPrefix(),
      ...Object.entries(fields).flat(),
    );
    return holder === '' ? { created: true } : { created: false, holder };
  }

  async get(taskId: string): Promise<TaskRecord | null> {
    const raw = await this.redis.hgetall(this.keys.task(taskId));
    return raw.lifecycle === undefined ? null : toRecord(raw);
  }

  async start(taskId: string, inputStudentCount: number): Promise<StartOutcome> {
    return (await this.redis.taskStart(
      this.keys.task(taskId),
      new Date().toISOString(),
      'Initializing behavior execution...',
      inputStudentCount,
    )) as StartOutcome;
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
  async requestCancel(taskId: string, reason: string): Promise<TaskLifecycle | 'missing'> {
    return (await this.redis.taskRequestCancel(this.keys.task(taskId), reason)) as
      TaskLifecycle | 'missing';
  }

  async finish(
    record: Pick<TaskRecord, 'id' | 'deployment_id' | 'behavior_number'>,
    f: Finish,
  ): Promise<FinishOutcome> {
    const fields: Record<string, string> = {
      stage: f.stage,
      status: f.status,
      finished_at: f.history.finished_at,
    };
    if (f.progress !== undefined) fields.progress = String(f.progress);
    if (f.result !== undefined) fields.result = f.result;
    if (f.error !== undefined) fields.error = f.error;
    if (f.errorKind !== undefined) fields.error_kind = f.errorKind;
    return (await this.redis.taskFinish(
      this.keys.task(record.id),
      this.keys.behaviorLock(record.deployment_id, record.behavior_number),
      this.keys.history(record.deployment_id),
      this.keys.variables(record.deployment_id),
      record.id,
      f.lifecycle,
      this.retentionSeconds,
      JSON.stringify(f.history),
      HISTORY_MAX,
      f.variable?.name ?? '',
      f.variable?.value ?? '',
      ...Object.entries(fields).flat(),
    )) as FinishOutcome;
  }

  /** Ids of the deployment's tasks that have not finished. */
  async unfinishedTaskIds(deploymentId: string): Promise<string[]> {
    const ids = await this.redis.smembers(this.keys.deploymentTasks(deploymentId));
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.keys.task(id), 'lifecycle');
    const states = (await pipeline.exec()) ?? [];
    return ids.filter((_, i) => {
      const s = states[i]?.[1];
      return typeof s === 'string' && !TERMINAL.includes(s as TaskLifecycle);
    });
  }

  /** Removes every task record of a deployment (when the deployment itself is deleted). */
  async deleteAllFor(deploymentId: string): Promise<void> {
    const ids = await this.redis.smembers(this.keys.deploymentTasks(deploymentId));
    const keys = ids.map((id) => this.keys.task(id));
    if (keys.length > 0) await this.redis.unlink(...keys);
    await this.redis.unlink(this.keys.deploymentTasks(deploymentId));
  }
}

function toRecord(raw: Record<string, string>): TaskRecord {
  const orNull = (v: string | undefined) => (v === undefined ? null : v);
  return {
    id: raw.id,
    deployment_id: raw.deployment_id,
    behavior_number: raw.behavior_number,
    behavior_type: raw.behavior_type as BehaviorType,
    mode: raw.mode as ExecutionMode,
    lifecycle: raw.lifecycle as TaskLifecycle,
    stage: raw.stage as TaskStage,
    progress: Number(raw.progress ?? 0),
    status: raw.status ?? '',
    result: orNull(raw.result),
    error: orNull(raw.error),
    error_kind: orNull(raw.error_kind) as BehaviorFailureKind | null,
    created_at: raw.created_at,
    started_at: orNull(raw.started_at),
    finished_at: orNull(raw.finished_at),
    cancel_reason: orNull(raw.cancel_reason),
    input_student_count:
      raw.input_student_count === undefined ? null : Number(raw.input_student_count),
  };
}
