import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { appConfigOf, TypedConfigService } from '../config/config.module';
import { BehaviorFailure } from '../engine/errors';
import { BehaviorQueue } from '../queue/behavior-queue.service';
import { CancelBus } from '../queue/cancel-bus.service';
import { TaskLifecycle } from './task-lifecycle.service';
import { TaskStore } from './task.store';
import { TaskLifecycle as Lifecycle, TaskRecord, TERMINAL } from './task.types';

export const CANCELLED_BY_REQUEST = 'Cancelled by a cancel request';
export const CANCELLED_BY_DELETE = 'Cancelled because its deployment was deleted';

/** How long past the grace period a cancel waits for the running process to confirm. */
const CONFIRM_MARGIN_MS = 2000;
const POLL_MS = 10;

export type CancelOutcome =
  | { kind: 'missing' }
  /** The task had already ended; `lifecycle` says how. */
  | { kind: 'already'; lifecycle: Lifecycle }
  /** The request was made; `final` is the task as it ended (maybe not cancelled: it won). */
  | { kind: 'requested'; final: TaskRecord };

/**
 * Stops tasks wherever they are: a queued job is taken off its queue, a running one is asked to
 * stop through the cancel bus (the process running it holds the handler). Shared by the cancel
 * route and by deleting a deployment.
 */
@Injectable()
export class TaskCancellation {
  private readonly graceMs: number;

  constructor(
    private readonly store: TaskStore,
    private readonly lifecycle: TaskLifecycle,
    private readonly queue: BehaviorQueue,
    private readonly bus: CancelBus,
    @Inject(ConfigService) config: TypedConfigService,
  ) {
    this.graceMs = appConfigOf(config).cancelGraceMs;
  }

  /** Cancels one task and waits until it is really over. */
  async cancel(record: TaskRecord, reason = CANCELLED_BY_REQUEST): Promise<CancelOutcome> {
    const before = await this.lifecycle.requestCancel(record.id, reason);
    if (before === 'missing') return { kind: 'missing' };
    if (TERMINAL.includes(before)) return { kind: 'already', lifecycle: before };
    const final = await this.stop(record, reason, true);
    // Gone while we waited: its deployment was deleted, which removes its tasks.
    return final === null ? { kind: 'missing' } : { kind: 'requested', final };
  }

  /** Stops every unfinished task of a deployment without waiting for confirmations. */
  async cancelAllFor(deploymentId: string): Promise<void> {
    const ids = await this.store.unfinishedTaskIds(deploymentId);
    await Promise.all(
      ids.map(async (id) => {
        const record = await this.store.get(id);
        if (record === null) return;
        await this.lifecycle.requestCancel(id, CANCELLED_BY_DELETE);
        await this.stop(record, CANCELLED_BY_DELETE, false);
      }),
    );
  }

  /**
   * Takes a queued job off the queue, or asks the process running it to stop. With `wait`,
   * waits for the runner to confirm and, if no process answers in time (the worker died),
   * records the cancellation itself.
   */
  private async stop(
    record: TaskRecord,
    reason: string,
    wait: boolean,
  ): Promise<TaskRecord | null> {
    const removed =
      record.mode === 'async'
        ? await this.queue.removeIfWaiting(record.id, record.behavior_type)
        : 'gone';
    if (removed === 'removed') {
      await this.lifecycle.fail(record, new BehaviorFailure('cancelled', reason));
      return this.store.get(record.id);
    }
    await this.bus.publish(record.id, reason);
    if (wait) {
      const deadline = Date.now() + this.graceMs + CONFIRM_MARGIN_MS;
      while (Date.now() < deadline) {
        const current = await this.store.get(record.id);
        if (current === null || TERMINAL.includes(current.lifecycle)) return current;
        await sleep(POLL_MS);
      }
    }
    const latest = await this.store.get(record.id);
    if (latest === null) return null;
    await this.lifecycle.fail(
      latest,
      new BehaviorFailure('cancelled', wait ? `${reason} (no running worker answered)` : reason),
    );
    return this.store.get(record.id);
  }
}
