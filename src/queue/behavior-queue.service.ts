import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { JobName, QueueName, queueFor, RunBehaviorPayload } from './jobs';

export type RemoveOutcome = 'removed' | 'active' | 'gone';

/** The producer side of the behavior queues. Job ids are task ids, so a task maps to one job. */
@Injectable()
export class BehaviorQueue {
  private readonly queues: Record<QueueName, Queue>;

  constructor(
    @InjectQueue(QueueName.GroupAssignment) groupAssignment: Queue,
    @InjectQueue(QueueName.ThemeCreation) themeCreation: Queue,
    @InjectQueue(QueueName.LightBehaviors) light: Queue,
  ) {
    this.queues = {
      [QueueName.GroupAssignment]: groupAssignment,
      [QueueName.ThemeCreation]: themeCreation,
      [QueueName.LightBehaviors]: light,
    };
  }

  async enqueue(payload: RunBehaviorPayload): Promise<void> {
    await this.queues[queueFor(payload.behavior_type)].add(JobName.RunBehavior, payload, {
      jobId: payload.task_id,
      attempts: 1,
      // Our task records hold results and history; BullMQ's copies are only for debugging.
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: { age: 86_400, count: 5000 },
    });
  }

  /**
   * Takes off its queue, if no worker holds it yet, a job sent behind a task's creation that
   * was refused. Not awaited: a job left behind finds no task and is skipped by its worker.
   */
  discard(taskId: string, behaviorType: string): void {
    this.queues[queueFor(behaviorType)].remove(taskId).catch(() => undefined);
  }

  /** Takes a job off its queue if no worker holds it yet. */
  async removeIfWaiting(taskId: string, behaviorType: string): Promise<RemoveOutcome> {
    const queue = this.queues[queueFor(behaviorType)];
    const job = await queue.getJob(taskId);
    if (!job) return 'gone';
    const state = await job.getState();
    if (state === 'active') return 'active';
    if (state === 'completed' || state === 'failed' || state === 'unknown') return 'gone';
    return (await queue.remove(taskId)) === 1 ? 'removed' : 'active';
  }
}
