import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { WORKER_METADATA } from '@nestjs/bullmq/dist/bull.constants';
import { BeforeApplicationShutdown } from '@nestjs/common';
import { DelayedError, Job, WaitingError, WorkerOptions } from 'bullmq';
import { AppConfig } from '../config/app-config';
import { redisOptionsFromUrl } from '../config/redis-url';
import { ExecutionService, REQUEUE } from '../execution/execution.service';
import { CurrentTask, WorkerRegistry } from '../observability/worker-registry';
import { JobName, QueueName, RunBehaviorPayload } from '../queue/jobs';

export type BehaviorJob = Job<RunBehaviorPayload, void, JobName>;

/** The longest a job waits between tries while its worker cannot reach Redis to start it. */
const POSTPONE_MAX_MS = 30_000;

/** BullMQ's words when a job's worker was lost more often than maxStalledCount allows. */
const STALLED_TOO_OFTEN = 'job stalled more than allowable limit';

/**
 * What every queue's processor does: unpack the job, hand it to the execution service with the
 * queue's abort signal, and let BullMQ's bookkeeping agree with ours. No business logic here.
 */
export abstract class BehaviorJobProcessor extends WorkerHost implements BeforeApplicationShutdown {
  /** Jobs running here, so a shutdown can wait for them or hand them back to the queue. */
  private readonly running = new Map<
    string,
    { controller: AbortController; done: Promise<void>; task: CurrentTask }
  >();

  constructor(
    private readonly execution: ExecutionService,
    private readonly config: AppConfig,
    private readonly registry: WorkerRegistry,
    queue: QueueName,
  ) {
    super();
    const concurrency = config.queueConcurrency[queue];
    // The heartbeat and readiness ask every served queue whether its worker runs and what it runs.
    registry.serve({
      queue,
      isRunning: () => this.workerRunning(),
      running: () => [...this.running.values()].map((r) => r.task),
    });
    // @Processor's options are fixed when the class is declared; these come from the validated
    // configuration, so they are put where @nestjs/bullmq reads them when it creates the worker
    // (after this constructor, before the worker exists).
    const options: WorkerOptions = {
      ...(Reflect.getMetadata(WORKER_METADATA, new.target) as WorkerOptions | undefined),
      // The worker's own connection: the queue's (QueueModule) pipelines the commands of one
      // tick, which suits producers and not a worker's blocking reads.
      connection: redisOptionsFromUrl(config.redisUrl, config.redisTlsCa),
      concurrency,
      maxStalledCount: config.maxLostWorkers,
      stalledInterval: config.stalledIntervalMs,
      lockDuration: config.stalledIntervalMs,
    };
    Reflect.defineMetadata(WORKER_METADATA, options, new.target);
  }

  /**
   * SIGTERM: take no new jobs; running ones get WORKER_SHUTDOWN_GRACE_MS to finish, then they
   * are stopped and put back on the queue at once (not counted as a lost worker), so another
   * worker starts them again. A rolling restart therefore loses no task.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.running.size > 0) {
      await this.worker.pause(true); // take no new job; do not wait for the running ones here
      const finished = Promise.all([...this.running.values()].map((r) => r.done));
      const grace = new Promise((r) => setTimeout(r, this.config.workerShutdownGraceMs).unref());
      await Promise.race([finished, grace]);
      for (const r of this.running.values()) r.controller.abort(REQUEUE);
      await finished;
    }
    // Nothing runs here any more: close at once, without waiting on the queue's blocking read
    // (which can hang on a connection that Redis dropped).
    await this.worker.close(true);
  }

  // BullMQ creates the abort signal only for a processor that declares all three parameters.
  async process(job: BehaviorJob, token?: string, signal?: AbortSignal): Promise<void> {
    switch (job.name) {
      case JobName.RunBehavior: {
        const local = new AbortController();
        const signals = signal === undefined ? [local.signal] : [signal, local.signal];
        let markDone: () => void = () => undefined;
        const done = new Promise<void>((resolve) => (markDone = resolve));
        const task: CurrentTask = {
          task_id: job.data.task_id,
          deployment_id: job.data.deployment_id,
          behavior: job.data.behavior_type,
          queue: job.queueName,
          since: new Date().toISOString(),
        };
        this.running.set(job.data.task_id, { controller: local, done, task });
        this.registry.changed();
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
          if (outcome.kind === 'postponed') {
            // Not an attempt: BullMQ counts a delayed job's try as neither failed nor done. Each
            // try waits longer, up to POSTPONE_MAX_MS, while Redis stays out of reach. (Should
            // this move fail too, the job fails as it did before postponing existed.)
            const wait = Math.min(
              outcome.delayMs * Math.max(1, job.attemptsStarted),
              POSTPONE_MAX_MS,
            );
            await job.moveToDelayed(Date.now() + wait, token);
            throw new DelayedError();
          }
          // A failed run fails the job too, for anyone looking at the queue.
          if (outcome.kind === 'failed') throw new Error(outcome.failure.message);
          return;
        } finally {
          this.running.delete(job.data.task_id);
          this.registry.changed();
          markDone();
        }
      }
    }
  }

  /** False until @nestjs/bullmq has created the worker, and once it has closed. */
  private workerRunning(): boolean {
    try {
      return this.worker.isRunning();
    } catch {
      return false;
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
