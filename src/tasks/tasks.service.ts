import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { BehaviorFailure } from '../behaviors/engine/errors';
import { ConflictError, NotFoundError } from '../common/errors';
import { appConfigOf, TypedConfigService } from '../config/config.module';
import { BehaviorQueue } from '../queue/behavior-queue.service';
import { CancelBus } from '../queue/cancel-bus.service';
import { CancelTaskResponseDto, TaskStatusDto } from './dto/task-status.dto';
import { TaskOutcomes } from './task-outcomes.service';
import { toTaskStatus } from './task-status.mapper';
import { TaskStore } from './task.store';
import { TaskRecord, TERMINAL } from './task.types';

export const CANCELLED_BY_REQUEST = 'Cancelled by a cancel request';
export const CANCELLED_BY_DELETE = 'Cancelled because its deployment was deleted';

/** How long past the grace period a cancel waits for the running process to confirm. */
const CONFIRM_MARGIN_MS = 2000;
const POLL_MS = 10;

@Injectable()
export class TasksService {
  private readonly graceMs: number;

  constructor(
    private readonly store: TaskStore,
    private readonly outcomes: TaskOutcomes,
    private readonly queue: BehaviorQueue,
    private readonly bus: CancelBus,
    @Inject(ConfigService) config: TypedConfigService,
  ) {
    this.graceMs = appConfigOf(config).cancelGraceMs;
  }

  async status(deploymentId: string, taskId: string): Promise<TaskStatusDto> {
    return toTaskStatus(await this.find(deploymentId, taskId));
  }

  /** Cancels a queued or running task and answers only once it is really over. */
  async cancel(deploymentId: string, taskId: string): Promise<CancelTaskResponseDto> {
    const record = await this.find(deploymentId, taskId);
    const before = await this.store.requestCancel(taskId, CANCELLED_BY_REQUEST);
    if (before === 'missing') throw this.notFound(deploymentId, taskId);
    if (before === 'cancelled') {
      return { message: `Task ${taskId} was already cancelled`, task_id: taskId, cancelled: true };
    }
    if (TERMINAL.includes(before)) {
      throw new ConflictError(
        `Task ${taskId} already finished (${before === 'succeeded' ? 'SUCCESS' : 'FAILURE'}); there is nothing to cancel`,
        { task_id: taskId, cancelled: false },
      );
    }
    const final = await this.stop(record, CANCELLED_BY_REQUEST, true);
    if (final.lifecycle === 'cancelled') {
      return { message: `Task ${taskId} has been cancelled`, task_id: taskId, cancelled: true };
    }
    throw new ConflictError(
      `Task ${taskId} finished as ${final.lifecycle === 'succeeded' ? 'SUCCESS' : 'FAILURE'} before the cancel took effect`,
      { task_id: taskId, cancelled: false },
    );
  }

  /** Stops every unfinished task of a deployment without waiting for confirmations. */
  async cancelAllFor(deploymentId: string): Promise<void> {
    const ids = await this.store.unfinishedTaskIds(deploymentId);
    await Promise.all(
      ids.map(async (id) => {
        const record = await this.store.get(id);
        if (record === null) return;
        await this.store.requestCancel(id, CANCELLED_BY_DELETE);
        await this.stop(record, CANCELLED_BY_DELETE, false);
      }),
    );
  }

  /**
   * Takes a queued job off the queue, or asks the process running it to stop. With `wait`,
   * waits for the runner to confirm and, if no process answers in time (the worker died),
   * records the cancellation itself.
   */
  private async stop(record: TaskRecord, reason: string, wait: boolean): Promise<TaskRecord> {
    const removed = record.mode === 'async' ? await this.queue.removeIfWaiting(record.id) : 'gone';
    if (removed === 'removed') {
      await this.outcomes.fail(record, new BehaviorFailure('cancelled', reason));
      return (await this.store.get(record.id)) ?? record;
    }
    await this.bus.publish(record.id, reason);
    if (wait) {
      const deadline = Date.now() + this.graceMs + CONFIRM_MARGIN_MS;
      while (Date.now() < deadline) {
        const current = await this.store.get(record.id);
        if (current === null || TERMINAL.includes(current.lifecycle)) return current ?? record;
        await sleep(POLL_MS);
      }
    }
    const latest = (await this.store.get(record.id)) ?? record;
    await this.outcomes.fail(
      latest,
      new BehaviorFailure('cancelled', wait ? `${reason} (no running worker answered)` : reason),
    );
    return (await this.store.get(record.id)) ?? latest;
  }

  private async find(deploymentId: string, taskId: string): Promise<TaskRecord> {
    const record = await this.store.get(taskId);
    // A task fetched through another deployment's URL is as unknown as a made-up id.
    if (record === null || record.deployment_id !== deploymentId)
      throw this.notFound(deploymentId, taskId);
    return record;
  }

  private notFound(deploymentId: string, taskId: string): NotFoundError {
    return new NotFoundError(
      `Task ${taskId} not found for deployment ${deploymentId} (unknown id, another deployment's task, or expired)`,
    );
  }
}
