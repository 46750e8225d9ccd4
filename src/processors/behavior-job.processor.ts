import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job, WaitingError } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { ExecutionService, REQUEUE } from '../execution/execution.service';
import { JobName, RunBehaviorPayload } from '../queue/jobs';

export type BehaviorJob = Job<RunBehaviorPayload, void, JobName>;

/** BullMQ's words when a job's worker was lost more often than maxStalledCount allows. */
const STALLED_TOO_OFTEN = 'job stalled more than allowable limit';

/**
 * What every queue's processor does: unpack the job, hand it to the execution service with the
 * queue's abort signal, and let BullMQ's bookkeeping agree with ours. No business logic here.
 * Each subclass declares `@Processor(queue, { autorun: false })`: the worker starts here, once
 * the configuration has set its concurrency and its stalled-job settings.
 */
export abstract class BehaviorJobProcessor
  extends WorkerHost
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger(this.constructor.name);
  /** Jobs running here, so a shutdown can hand them back to the queue. */
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly execution: ExecutionService,
    private readonly config: AppConfig,
    private readonly concurrency: number,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    Object.assign(this.worker.opts, {
      concurrency: this.concurrency,
      maxStalledCount: this.config.maxLostWorkers,
      stalledInterval: this.config.stalledIntervalMs,
      lockDuration: this.config.stalledIntervalMs,
    });
    this.worker.concurrency = this.concurrency;
    this.worker.run().catch((err: unknown) => {
      this.logger.error(`Worker stopped: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  /**
   * SIGTERM: take no new jobs; running ones get WORKER_SHUTDOWN_GRACE_MS to finish, then they
   * are stopped and put back on the queue at once (not counted as a lost worker), so another
   * worker starts them again. A rolling restart therefore loses no task.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const closing = this.worker.close();
    const grace = new Promise((r) => setTimeout(r, this.config.workerShutdownGraceMs).unref());
    await Promise.race([closing, grace]);
    for (const controller of this.running.values()) controller.abort(REQUEUE);
    await closing;
  }

  // BullMQ creates the abort signal only for a processor that declares all three parameters.
  async process(job: BehaviorJob, token?: string, signal?: AbortSignal): Promise<void> {
    switch (job.name) {
      case JobName.RunBehavior: {
        const local = new AbortController();
        const signals = signal === undefined ? [local.signal] : [signal, local.signal];
        this.running.set(job.data.task_id, local);
        try {
          const outcome = await this.execution.runJob(
            job.data,
            AbortSignal.any(signals),
            (reason) => this.worker.cancelJob(job.data.task_id, reason),
          );
          if (outcome.kind === 'requeued') {
            await job.moveToWait(token);
            throw new WaitingError();
          }
          // A failed run fails the job too, for anyone looking at the queue.
          if (outcome.kind === 'failed') throw new Error(outcome.failure.message);
          return;
        } finally {
          this.running.delete(job.data.task_id);
        }
      }
    }
  }

  /** Another worker's job whose lock expired (that worker died) is back on the queue. */
  @OnWorkerEvent('stalled')
  async onStalled(jobId: string): Promise<void> {
    await this.execution.markLost(jobId);
  }

  @OnWorkerEvent('failed')
  async onFailed(job: BehaviorJob | undefined, error: Error): Promise<void> {
    if (job === undefined) return;
    const message =
      error.message === STALLED_TOO_OFTEN
        ? `The worker running it was lost ${this.config.maxLostWorkers + 1} times ` +
          `(MAX_LOST_WORKERS is ${this.config.maxLostWorkers}); giving up`
        : error.message;
    await this.execution.failOutsideRun(job.data.task_id, message);
  }
}
