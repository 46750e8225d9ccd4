import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { DeploymentsRepository } from '../deployments/deployments.repository';
import { isRedisUnavailable, REDIS } from '../redis/redis.module';
import { TaskOutcomes } from '../tasks/task-outcomes.service';
import { TaskStore } from '../tasks/task.store';
import { StoredVariable, TaskRecord, TaskStage } from '../tasks/task.types';
import { behaviorInfo } from './engine/catalog';
import { BehaviorFailure } from './engine/errors';
import { formatTimedelta } from './engine/execution-time';
import { AnyBehaviorResult, BehaviorType } from './engine/types';
import { BehaviorRunner } from './runner/behavior-runner';

export type RunResult = Record<string, unknown> & {
  success: true;
  execution_time: string;
  task_id: string;
};

const END_WRITE_RETRY_MS = 60_000;
const END_WRITE_RETRY_INTERVAL_MS = 250;

export type ExecutionOutcome =
  | { kind: 'succeeded'; result: RunResult }
  | { kind: 'failed'; failure: BehaviorFailure }
  /** Nothing ran: the task was already finished or has gone (its deployment was deleted). */
  | { kind: 'skipped' };

/**
 * Runs one task from start to end, for a queue worker and for a synchronous request alike:
 * reads the deployment and students from Redis at run time (so an edited config is what runs),
 * hands them to a runner thread, and records the outcome.
 */
@Injectable()
export class BehaviorExecutionService {
  private readonly logger = new Logger(BehaviorExecutionService.name);

  constructor(
    private readonly store: TaskStore,
    private readonly outcomes: TaskOutcomes,
    private readonly deployments: DeploymentsRepository,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async execute(
    task: { taskId: string; deploymentId: string },
    runner: BehaviorRunner,
    signal: AbortSignal,
  ): Promise<ExecutionOutcome> {
    const { taskId, deploymentId } = task;
    const startedAt = new Date();
    const t0 = process.hrtime.bigint();
    // Read at run time, not at trigger time, so an edited config is what runs.
    const [queued, deployment, students] = await Promise.all([
      this.store.get(taskId),
      this.deployments.get(deploymentId),
      this.deployments.allSubmissions(deploymentId),
    ]);
    if (queued === null || queued.deployment_id !== deploymentId) return { kind: 'skipped' };

    const started = await this.store.start(taskId, students.length);
    if (started === 'missing' || started === 'terminal') return { kind: 'skipped' };
    const record: TaskRecord = {
      ...queued,
      lifecycle: 'running',
      started_at: startedAt.toISOString(),
      input_student_count: students.length,
    };
    if (started === 'cancel') {
      const latest = await this.store.get(taskId);
      return this.fail(
        record,
        new BehaviorFailure('cancelled', latest?.cancel_reason ?? 'Cancelled'),
      );
    }
    const behavior = deployment?.behaviors[record.behavior_number];
    if (deployment === null || behavior === undefined) {
      const what =
        deployment === null
          ? `Deployment ${record.deployment_id}`
          : `Behavior ${record.behavior_number}`;
      return this.fail(record, new BehaviorFailure('input', `${what} no longer exists`));
    }

    let output: AnyBehaviorResult;
    try {
      // Progress writes are not awaited: commands on one connection run in order, so they
      // still land before the final state, and the run does not wait on them.
      this.reportProgress(taskId, 30, 'execution', 'Executing behavior...');
      output = await runner.run(behavior.type, behavior.config, students, {
        signal,
        onProgress: (u) => this.reportProgress(taskId, u.progress, u.stage as TaskStage, u.status),
      });
    } catch (err) {
      const failure =
        err instanceof BehaviorFailure
          ? err
          : new BehaviorFailure('crashed', err instanceof Error ? err.message : String(err));
      if (failure.kind === 'crashed')
        this.logger.error(`Task ${taskId} crashed: ${failure.message}`);
      return this.fail(record, failure);
    }

    this.reportProgress(taskId, 90, 'saving', 'Saving results...');
    const micros = Number(process.hrtime.bigint() - t0) / 1000;
    const result: RunResult = {
      success: true,
      ...output,
      execution_time: formatTimedelta(micros),
      executed_at: startedAt.toISOString(),
      task_id: taskId,
    };
    const written = await this.persistEnd(taskId, () =>
      this.outcomes.succeed(record, {
        result: JSON.stringify(result),
        variable: outputVariable(behavior.type, record.behavior_number, output, taskId),
        groupsCreated: 'groups' in output ? Object.keys(output.groups).length : null,
        themesCreated: 'themes' in output ? output.themes.length : null,
      }),
    );
    if (written === 'cancel') {
      // A cancel arrived after the behavior's last checkpoint: honour it, drop the result.
      const latest = await this.store.get(taskId).catch(() => null);
      return this.fail(
        record,
        new BehaviorFailure('cancelled', latest?.cancel_reason ?? 'Cancelled'),
      );
    }
    return written === 'ok' ? { kind: 'succeeded', result } : { kind: 'skipped' };
  }

  /**
   * Writes a task's end, retrying while Redis is unreachable: a run that took minutes must not
   * be left PROGRESS for ever because Redis blinked as it finished. Bounded, then it gives up.
   */
  private async persistEnd<T>(taskId: string, write: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + END_WRITE_RETRY_MS;
    for (;;) {
      try {
        return await write();
      } catch (err) {
        if (!isRedisUnavailable(err, this.redis) || Date.now() > deadline) throw err;
        this.logger.warn(`Task ${taskId}: Redis unreachable while recording its end; retrying`);
        await sleep(END_WRITE_RETRY_INTERVAL_MS);
      }
    }
  }

  private reportProgress(taskId: string, progress: number, stage: TaskStage, status: string): void {
    this.store.progress(taskId, progress, stage, status).catch((err: unknown) => {
      this.logger.warn(
        `Progress of task ${taskId} not saved: ${err instanceof Error ? err.message : String(err)}`,
      );
    });
  }

  private async fail(record: TaskRecord, failure: BehaviorFailure): Promise<ExecutionOutcome> {
    const written = await this.persistEnd(record.id, () => this.outcomes.fail(record, failure));
    return written === 'ok' ? { kind: 'failed', failure } : { kind: 'skipped' };
  }
}

/** `group_{n}` holds `{"Group1": [names]}`, `theme_{n}` the theme list, for later pages. */
function outputVariable(
  type: BehaviorType,
  behaviorNumber: string,
  output: AnyBehaviorResult,
  taskId: string,
): { name: string; value: string } | null {
  const prefix = behaviorInfo(type).outputVariablePrefix;
  const stored = (name: string, value: unknown) => {
    const variable: StoredVariable = {
      name,
      value,
      task_id: taskId,
      updated_at: new Date().toISOString(),
    };
    return { name, value: JSON.stringify(variable) };
  };
  if (prefix === 'group' && 'groups' in output)
    return stored(`group_${behaviorNumber}`, output.groups);
  if (prefix === 'theme' && 'themes' in output)
    return stored(`theme_${behaviorNumber}`, output.themes);
  return null;
}
