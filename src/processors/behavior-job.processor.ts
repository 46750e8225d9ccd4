import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job } from 'bullmq';
import { ExecutionService } from '../execution/execution.service';
import { JobName, RunBehaviorPayload } from '../queue/jobs';

export type BehaviorJob = Job<RunBehaviorPayload, void, JobName>;

/**
 * What every queue's processor does: unpack the job, hand it to the execution service with the
 * queue's abort signal, and let BullMQ's bookkeeping agree with ours. No business logic here.
 */
export abstract class BehaviorJobProcessor
  extends WorkerHost
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  constructor(
    private readonly execution: ExecutionService,
    private readonly concurrency: number,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.concurrency;
  }

  /**
   * Does not wait for running behaviors (they may take minutes): the worker stops at once, and
   * a job it held is picked up again by another worker once its lock expires (BullMQ's
   * stalled-job check), so a restart loses no task.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.worker.close(true);
  }

  // BullMQ creates the abort signal only for a processor that declares all three parameters.
  async process(job: BehaviorJob, _token?: string, signal?: AbortSignal): Promise<void> {
    switch (job.name) {
      case JobName.RunBehavior: {
        const outcome = await this.execution.runJob(
          job.data,
          signal ?? new AbortController().signal,
          (reason) => this.worker.cancelJob(job.data.task_id, reason),
        );
        // A failed run fails the job too, for anyone looking at the queue.
        if (outcome.kind === 'failed') throw new Error(outcome.failure.message);
        return;
      }
    }
  }

  @OnWorkerEvent('failed')
  async onFailed(job: BehaviorJob | undefined, error: Error): Promise<void> {
    if (job !== undefined) await this.execution.failOutsideRun(job.data.task_id, error.message);
  }
}
