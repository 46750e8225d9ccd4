import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError, RunFailedError } from '../common/errors';
import { Deployment } from '../deployments/deployment.types';
import { DeploymentSnapshot } from '../deployments/deployments.repository';
import { DeploymentsService } from '../deployments/deployments.service';
import { behaviorDefinition } from '../engine/catalog';
import { BehaviorFailure } from '../engine/errors';
import { ExecutionOutcome, ExecutionService, RunResult } from '../execution/execution.service';
import { BehaviorQueue } from '../queue/behavior-queue.service';
import { TaskLifecycle } from '../tasks/task-lifecycle.service';
import { ExecutionMode } from '../tasks/task.types';
import {
  AsyncTriggerResponseDto,
  BehaviorListDto,
  TriggerBehaviorDto,
} from './dto/trigger-behavior.dto';

/** Reads of a deployment one trigger makes at most when it keeps changing under it. */
const TRIGGER_READS = 3;

export type TriggerResponse =
  | { mode: 'async'; body: AsyncTriggerResponseDto }
  | { mode: 'sync'; body: RunResult & { behavior_number: string } };

/** Lists a deployment's behaviors and triggers them, queued or synchronously. */
@Injectable()
export class BehaviorsService {
  constructor(
    private readonly deployments: DeploymentsService,
    private readonly tasks: TaskLifecycle,
    private readonly queue: BehaviorQueue,
    private readonly execution: ExecutionService,
  ) {}

  async list(deploymentId: string): Promise<BehaviorListDto> {
    const d = await this.deployments.get(deploymentId);
    return {
      deployment_id: d.id,
      behaviors: Object.entries(d.behaviors)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([number, b]) => {
          const heavy = behaviorDefinition(b.type).heavy;
          return {
            behavior_number: number,
            type: b.type,
            heavy,
            default_execution: heavy ? 'async' : 'sync',
            config: b.config,
          };
        }),
    };
  }

  /**
   * The first try uses this process's snapshot of the deployment when it has one, without waiting
   * on a read: the task's creation checks that the stored deployment is still that snapshot, and
   * nothing is created from a stale one, which is read again. Bounded, for a deployment that is
   * edited over and over while it is triggered: the last read's task is created unchecked, as
   * every trigger was before snapshots were kept (the worker reads the deployment again anyway).
   */
  async trigger(deploymentId: string, dto: TriggerBehaviorDto): Promise<TriggerResponse> {
    let snapshot = this.deployments.cachedSnapshot(deploymentId);
    let reads = 0;
    for (;;) {
      if (snapshot === undefined) {
        snapshot = await this.deployments.snapshot(deploymentId);
        reads++;
      }
      if (snapshot.deployment.behaviors[dto.behavior_number] === undefined) {
        if (reads === 0) {
          snapshot = undefined; // only cached: the behavior may have been added since
          continue;
        }
        throw new NotFoundError(
          `Behavior ${dto.behavior_number} not found in deployment ${deploymentId} ` +
            `(it has: ${Object.keys(snapshot.deployment.behaviors).join(', ') || 'none'})`,
          { behavior_number: dto.behavior_number },
        );
      }
      const last = reads >= TRIGGER_READS;
      const answer = await this.tryTrigger(last ? { ...snapshot, sha1: '' } : snapshot, dto);
      if (answer !== 'stale') return answer;
      snapshot = undefined;
    }
  }

  /** One try: 'stale' when the deployment is no longer the snapshot (nothing was created). */
  private async tryTrigger(
    snapshot: DeploymentSnapshot,
    dto: TriggerBehaviorDto,
  ): Promise<TriggerResponse | 'stale'> {
    const deployment = snapshot.deployment;
    const number = dto.behavior_number;
    const type = deployment.behaviors[number].type;
    // The design note: heavy behaviors default to async, the others to sync.
    const mode: ExecutionMode =
      (dto.async_execution ?? behaviorDefinition(type).heavy) ? 'async' : 'sync';
    const task = this.createTask(snapshot, number, mode);
    if (mode === 'async') return this.enqueueBehind(task, deployment, number);
    if (!this.execution.readsAhead(deployment.id)) {
      if ((await task.created) === 'stale') return 'stale';
      const run = this.execution.runSync(task.id, deployment.id);
      return { mode, body: await this.answerRun(task.id, number, run, deployment.id) };
    }
    // A small class: the run's reads and its start are sent right behind the creation, on the
    // same connection, so Redis runs them in that order: one round trip for both. A run whose
    // task was not created finds nothing to start and is skipped.
    const run = this.execution.runSync(task.id, deployment.id);
    const [created] = await Promise.allSettled([task.created, run]);
    if (created.status === 'rejected') throw created.reason;
    if (created.value === 'stale') return 'stale';
    return { mode, body: await this.answerRun(task.id, number, run, deployment.id) };
  }

  /**
   * The job is sent right behind its task's creation, on the same Redis connection (QueueModule),
   * so Redis runs them in that order and no worker can take the job before its task exists: one
   * round trip for both. When the creation is refused (409, or a stale deployment) the job is
   * taken off the queue again; one a worker took first finds no task and is skipped.
   */
  private async enqueueBehind(
    task: { id: string; created: Promise<'created' | 'stale'> },
    d: Deployment,
    behaviorNumber: string,
  ): Promise<TriggerResponse | 'stale'> {
    const behaviorType = d.behaviors[behaviorNumber].type;
    const added = this.queue.enqueue({
      task_id: task.id,
      deployment_id: d.id,
      behavior_number: behaviorNumber,
      behavior_type: behaviorType,
    });
    // The add is awaited only once the creation has succeeded: a request whose creation failed
    // answers at once, and its job, once added, is taken off the queue.
    const discardOnceAdded = () =>
      void added.then(
        () => this.queue.discard(task.id, behaviorType),
        () => undefined,
      );
    let created: 'created' | 'stale';
    try {
      created = await task.created;
    } catch (err) {
      discardOnceAdded();
      throw err;
    }
    if (created === 'stale') {
      discardOnceAdded();
      return 'stale';
    }
    try {
      await added;
    } catch (err) {
      // Never leave a PENDING task that no worker will ever see: fail it, freeing the lock.
      await this.tasks
        .fail(
          {
            id: task.id,
            deployment_id: d.id,
            behavior_number: behaviorNumber,
            behavior_type: behaviorType,
            started_at: null,
            input_student_count: null,
          },
          new BehaviorFailure('crashed', 'The task could not be queued'),
        )
        .catch(() => undefined);
      throw err;
    }
    return {
      mode: 'async',
      body: {
        behavior_number: behaviorNumber,
        task_id: task.id,
        status: 'PENDING',
        message: 'Behavior execution started. Use task ID to check progress.',
      },
    };
  }

  /**
   * Sends the creation of a task; `created` settles once it is made, or is 'stale' when the
   * deployment is no longer the snapshot (409 if the behavior's lock is held).
   */
  private createTask(
    snapshot: DeploymentSnapshot,
    behaviorNumber: string,
    mode: ExecutionMode,
  ): { id: string; created: Promise<'created' | 'stale'> } {
    const d = snapshot.deployment;
    const id = randomUUID();
    const created = this.tasks
      .create(
        {
          id,
          deployment_id: d.id,
          behavior_number: behaviorNumber,
          behavior_type: d.behaviors[behaviorNumber].type,
          mode,
        },
        snapshot.sha1,
      )
      .then((outcome) => {
        if (outcome.created) return 'created' as const;
        if ('stale' in outcome) return 'stale' as const;
        throw new ConflictError(
          `Behavior ${behaviorNumber} of deployment ${d.id} is already queued or running as task ${outcome.holder}; ` +
            'wait for it to finish or cancel it',
          { task_id: outcome.holder, behavior_number: behaviorNumber },
        );
      });
    return { id, created };
  }

  /** A synchronous run: the same runner threads and time limits, answered in the response. */
  private async answerRun(
    taskId: string,
    behaviorNumber: string,
    run: Promise<ExecutionOutcome>,
    deploymentId: string,
  ): Promise<RunResult & { behavior_number: string }> {
    let outcome = await run;
    // Skipped although its task was created: when the run was sent behind the creation, only if
    // Redis had run the start first, which one connection does not do. Try once more rather than
    // leave it queued; a task that really cannot start (deleted, ended) is skipped again.
    if (outcome.kind === 'skipped') outcome = await this.execution.runSync(taskId, deploymentId);
    const extras = { task_id: taskId, behavior_number: behaviorNumber };
    switch (outcome.kind) {
      case 'succeeded':
        return {
          behavior_number: behaviorNumber,
          ...(JSON.parse(outcome.resultJson) as RunResult),
        };
      case 'failed':
        throw new RunFailedError(outcome.failure.kind, outcome.failure.message, extras);
      case 'requeued': // only queue jobs are put back or postponed; never a synchronous run
      case 'postponed':
        throw new RunFailedError('interrupted', 'The run was interrupted', extras);
      case 'skipped':
        throw new RunFailedError(
          'not_started',
          'The run was stopped before it started (cancelled or deployment deleted)',
          extras,
        );
    }
  }
}
