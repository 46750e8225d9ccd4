import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError, RunFailedError } from '../common/errors';
import { Deployment } from '../deployments/deployment.types';
import { DeploymentsService } from '../deployments/deployments.service';
import { BehaviorQueue } from '../queue/behavior-queue.service';
import { CancelBus } from '../queue/cancel-bus.service';
import { TaskOutcomes } from '../tasks/task-outcomes.service';
import { TaskStore } from '../tasks/task.store';
import { ExecutionMode } from '../tasks/task.types';
import { BehaviorExecutionService, RunResult } from './behavior-execution.service';
import { SYNC_RUNNER } from './behavior-runner.provider';
import {
  AsyncTriggerResponseDto,
  BehaviorListDto,
  TriggerBehaviorDto,
} from './dto/trigger-behavior.dto';
import { behaviorInfo } from './engine/catalog';
import { BehaviorFailure, BehaviorFailureKind } from './engine/errors';
import { BehaviorRunner } from './runner/behavior-runner';

export type TriggerResponse =
  | { mode: 'async'; body: AsyncTriggerResponseDto }
  | { mode: 'sync'; body: RunResult & { behavior_number: string } };

/** HTTP status of a synchronous run that failed, by why it failed. */
const FAILURE_STATUS: Record<BehaviorFailureKind, number> = {
  input: 422,
  soft_timeout: 504,
  hard_timeout: 504,
  cancelled: 409,
  crashed: 500,
};

@Injectable()
export class BehaviorsService {
  constructor(
    private readonly deployments: DeploymentsService,
    private readonly store: TaskStore,
    private readonly outcomes: TaskOutcomes,
    private readonly queue: BehaviorQueue,
    private readonly bus: CancelBus,
    private readonly execution: BehaviorExecutionService,
    @Inject(SYNC_RUNNER) private readonly syncRunner: BehaviorRunner,
  ) {}

  async list(deploymentId: string): Promise<BehaviorListDto> {
    const d = await this.deployments.get(deploymentId);
    return {
      deployment_id: d.id,
      behaviors: Object.entries(d.behaviors)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([number, b]) => {
          const heavy = behaviorInfo(b.type).heavy;
          return {
            behavior_number: number,
            type: b.type,
            heavy,
            default_execution: heavy ? 'async' : 'sync',
            config: b.config as BehaviorListDto['behaviors'][number]['config'],
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
      (dto.async_execution ?? behaviorInfo(behavior.type).heavy) ? 'async' : 'sync';
    const taskId = await this.createTask(deployment, dto.behavior_number, mode);
    if (mode === 'async')
      return { mode, body: await this.enqueue(taskId, deploymentId, dto.behavior_number) };
    return { mode, body: await this.runNow(taskId, deploymentId, dto.behavior_number) };
  }

  private async createTask(
    d: Deployment,
    behaviorNumber: string,
    mode: ExecutionMode,
  ): Promise<string> {
    const id = randomUUID();
    const created = await this.store.create({
      id,
      deployment_id: d.id,
      behavior_number: behaviorNumber,
      behavior_type: d.behaviors[behaviorNumber].type,
      mode,
    });
    if (!created.created) {
      throw new ConflictError(
        `Behavior ${behaviorNumber} of deployment ${d.id} is already queued or running as task ${created.holder}; ` +
          'wait for it to finish or cancel it',
        { task_id: created.holder, behavior_number: behaviorNumber },
      );
    }
    return id;
  }

  private async enqueue(
    taskId: string,
    deploymentId: string,
    behaviorNumber: string,
  ): Promise<AsyncTriggerResponseDto> {
    try {
      await this.queue.enqueue({
        task_id: taskId,
        deployment_id: deploymentId,
        behavior_number: behaviorNumber,
      });
    } catch (err) {
      // Never leave a PENDING task that no worker will ever see.
      const record = await this.store.get(taskId);
      if (record !== null) {
        await this.outcomes
          .fail(record, new BehaviorFailure('crashed', 'The task could not be queued'))
          .catch(() => undefined);
      }
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
  private async runNow(
    taskId: string,
    deploymentId: string,
    behaviorNumber: string,
  ): Promise<RunResult & { behavior_number: string }> {
    const controller = new AbortController();
    const unregister = this.bus.register(taskId, (reason) => controller.abort(reason));
    try {
      const outcome = await this.execution.execute(
        { taskId, deploymentId },
        this.syncRunner,
        controller.signal,
      );
      switch (outcome.kind) {
        case 'succeeded':
          return { behavior_number: behaviorNumber, ...outcome.result };
        case 'failed':
          throw new RunFailedError(FAILURE_STATUS[outcome.failure.kind], outcome.failure.message, {
            task_id: taskId,
            behavior_number: behaviorNumber,
          });
        case 'skipped':
          throw new RunFailedError(
            409,
            'The run was stopped before it started (cancelled or deployment deleted)',
            {
              task_id: taskId,
              behavior_number: behaviorNumber,
            },
          );
      }
    } finally {
      unregister();
    }
  }
}
