import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError, RunFailedError } from '../common/errors';
import { Deployment } from '../deployments/deployment.types';
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

  async trigger(deploymentId: string, dto: TriggerBehaviorDto): Promise<TriggerResponse> {
    const deployment = await this.deployments.get(deploymentId);
    const behavior = deployment.behaviors[dto.behavior_number];
    if (behavior === undefined) {
      throw new NotFoundError(
        `Behavior ${dto.behavior_number} not found in deployment ${deploymentId} ` +
          `(it has: ${Object.keys(deployment.behaviors).join(', ') || 'none'})`,
        { behavior_number: dto.behavior_number },
      );
    }
    // The design note: heavy behaviors default to async, the others to sync.
    const mode: ExecutionMode =
      (dto.async_execution ?? behaviorDefinition(behavior.type).heavy) ? 'async' : 'sync';
    const task = this.createTask(deployment, dto.behavior_number, mode);
    if (mode === 'async') {
      await task.created;
      return { mode, body: await this.enqueue(task.id, deployment, dto.behavior_number) };
    }
    if (!this.execution.readsAhead(deploymentId)) {
      await task.created;
      const run = this.execution.runSync(task.id, deploymentId);
      return { mode, body: await this.answerRun(task.id, dto.behavior_number, run, deploymentId) };
    }
    // A small class: the run's reads and its start are sent right behind the creation, on the
    // same connection, so Redis runs them in that order: one round trip for both. A run whose
    // task was not created finds nothing to start and is skipped.
    const run = this.execution.runSync(task.id, deploymentId);
    const [created] = await Promise.allSettled([task.created, run]);
    if (created.status === 'rejected') throw created.reason;
    return { mode, body: await this.answerRun(task.id, dto.behavior_number, run, deploymentId) };
  }

  /** Sends the creation of a task; `created` settles once it is made (409 if the lock is held). */
  private createTask(
    d: Deployment,
    behaviorNumber: string,
    mode: ExecutionMode,
  ): { id: string; created: Promise<void> } {
    const id = randomUUID();
    const created = this.tasks
      .create({
        id,
        deployment_id: d.id,
        behavior_number: behaviorNumber,
        behavior_type: d.behaviors[behaviorNumber].type,
        mode,
      })
      .then((outcome) => {
        if (outcome.created) return;
        throw new ConflictError(
          `Behavior ${behaviorNumber} of deployment ${d.id} is already queued or running as task ${outcome.holder}; ` +
            'wait for it to finish or cancel it',
          { task_id: outcome.holder, behavior_number: behaviorNumber },
        );
      });
    return { id, created };
  }

  private async enqueue(
    taskId: string,
    d: Deployment,
    behaviorNumber: string,
  ): Promise<AsyncTriggerResponseDto> {
    const behaviorType = d.behaviors[behaviorNumber].type;
    try {
      await this.queue.enqueue({
        task_id: taskId,
        deployment_id: d.id,
        behavior_number: behaviorNumber,
        behavior_type: behaviorType,
      });
    } catch (err) {
      // Never leave a PENDING task that no worker will ever see: fail it, freeing the lock.
      await this.tasks
        .fail(
          {
            id: taskId,
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
      behavior_number: behaviorNumber,
      task_id: taskId,
      status: 'PENDING',
      message: 'Behavior execution started. Use task ID to check progress.',
    };
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
      case 'requeued': // only queue jobs are put back; never expected for a synchronous run
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
