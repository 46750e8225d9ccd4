import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Job } from 'bullmq';
import { BehaviorExecutionService } from '../behaviors/behavior-execution.service';
import { createRunner } from '../behaviors/behavior-runner.provider';
import { BehaviorFailure } from '../behaviors/engine/errors';
import { BehaviorRunner } from '../behaviors/runner/behavior-runner';
import { appConfigOf, TypedConfigService } from '../config/config.module';
import { CancelBus } from '../queue/cancel-bus.service';
import { JobName, JobPayloads, QueueName } from '../queue/jobs';
import { TaskOutcomes } from '../tasks/task-outcomes.service';
import { TaskStore } from '../tasks/task.store';
import { TERMINAL } from '../tasks/task.types';

type BehaviorJob = Job<JobPayloads[JobName.RunBehavior], void, JobName>;

/**
 * Adapter between BullMQ and the execution service: it unpacks the job, registers for cancel
 * requests, and passes BullMQ's abort signal on. It holds no business logic.
 */
@Processor(QueueName.Behaviors)
export class BehaviorProcessor
  extends WorkerHost
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(BehaviorProcessor.name);
  private readonly runner: BehaviorRunner;
  private readonly concurrency: number;

  constructor(
    private readonly execution: BehaviorExecutionService,
    private readonly bus: CancelBus,
    private readonly store: TaskStore,
    private readonly outcomes: TaskOutcomes,
    @Inject(ConfigService) config: TypedConfigService,
  ) {
    super();
    const app = appConfigOf(config);
    this.concurrency = app.workerConcurrency;
    // One runner thread per concurrent job: the note's "prefetch 1" is concurrency 1.
    this.runner = createRunner(app, app.workerConcurrency);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.worker.concurrency = this.concurrency;
    await this.runner.warm();
  }

  /**
   * Does not wait for running behaviors (they may take minutes): the worker stops at once, and
   * a job it held is picked up again by another worker once its lock expires (BullMQ's
   * stalled-job check), so a restart loses no task.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.worker.close(true);
    await this.runner.close();
  }

  // BullMQ creates the abort signal only for a processor that declares all three parameters.
  async process(job: BehaviorJob, _token?: string, signal?: AbortSignal): Promise<void> {
    switch (job.name) {
      case JobName.RunBehavior:
        return this.runBehavior(job, signal ?? new AbortController().signal);
    }
  }

  private async runBehavior(job: BehaviorJob, signal: AbortSignal): Promise<void> {
    const taskId = job.data.task_id;
    const unregister = this.bus.register(taskId, (reason) => {
      this.worker.cancelJob(taskId, reason);
    });
    try {
      const outcome = await this.execution.execute(
        { taskId, deploymentId: job.data.deployment_id },
        this.runner,
        signal,
      );
      // Let BullMQ's own bookkeeping agree with ours, for anyone looking at the queue.
      if (outcome.kind === 'failed') throw new Error(outcome.failure.message);
    } finally {
      unregister();
    }
  }

  /** A job can also fail outside process() (stalled too often after a worker died). */
  @OnWorkerEvent('failed')
  async onFailed(job: BehaviorJob | undefined, error: Error): Promise<void> {
    if (job === undefined) return;
    const record = await this.store.get(job.data.task_id).catch(() => null);
    if (record === null || TERMINAL.includes(record.lifecycle)) return;
    this.logger.warn(`Task ${record.id} failed outside its run: ${error.message}`);
    await this.outcomes
      .fail(record, new BehaviorFailure('crashed', error.message))
      .catch(() => undefined);
  }
}
