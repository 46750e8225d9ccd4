import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { JobName, JobPayloads, QueueName } from './jobs';

export type RemoveOutcome = 'removed' | 'active' | 'gone';

/** The producer side of the behavior queue. Job ids are task ids, so a task maps to one job. */
@Injectable()
export class BehaviorQueue {
  constructor(@InjectQueue(QueueName.Behaviors) private readonly queue: Queue) {}

  async enqueue(payload: JobPayloads[JobName.RunBehavior]): Promise<void> {
    await this.queue.add(JobName.RunBehavior, payload, {
      jobId: payload.task_id,
      attempts: 1,
      // Our task records hold results and history; BullMQ's copies are only for debugging.
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: { age: 86_400, count: 5000 },
    });
  }

  /** Takes a job off the queue if no worker holds it yet. */
  async removeIfWaiting(taskId: string): Promise<RemoveOutcome> {
    const job = await this.queue.getJob(taskId);
    if (!job) return 'gone';
    const state = await job.getState();
    if (state === 'active') return 'active';
    if (state === 'completed' || state === 'failed' || state === 'unknown') return 'gone';
    return (await this.queue.remove(taskId)) === 1 ? 'removed' : 'active';
  }
}
