import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { BehaviorFailureKind } from '../engine/errors';
import { REDIS } from '../redis/redis.module';
import { RedisKeys } from '../redis/redis-keys';
import { ExecutionMode, TaskLifecycle, TaskRecord, TaskStage, TERMINAL } from './task.types';

/**
 * Reads task records from Redis, where every API and worker process sees the same state. It
 * never writes: every change goes through TaskLifecycle.
 */
@Injectable()
export class TaskStore {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async get(taskId: string): Promise<TaskRecord | null> {
    const raw = await this.redis.hgetall(this.keys.task(taskId));
    return raw.lifecycle === undefined ? null : toRecord(raw);
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
}

function toRecord(raw: Record<string, string>): TaskRecord {
  const orNull = (v: string | undefined) => (v === undefined ? null : v);
  return {
    id: raw.id,
    deployment_id: raw.deployment_id,
    behavior_number: raw.behavior_number,
    behavior_type: raw.behavior_type,
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
    attempt: Number(raw.attempt ?? 0),
    lease_until: raw.lease_until === undefined ? null : Number(raw.lease_until),
  };
}
