import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { BehaviorFailure } from '../behaviors/engine/errors';
import { FinishOutcome, TaskStore } from './task.store';
import { HistoryEntry, TaskRecord } from './task.types';

export interface SuccessOutput {
  /** The full result document (behavior result plus execution_time, executed_at, task_id). */
  result: string;
  variable: { name: string; value: string } | null;
  groupsCreated: number | null;
  themesCreated: number | null;
}

/**
 * Writes the end of a task, whatever ended it: the terminal state, the history row and, on
 * success only, the output variable. Shared by workers, synchronous runs and cancel requests.
 */
@Injectable()
export class TaskOutcomes {
  constructor(private readonly store: TaskStore) {}

  succeed(record: TaskRecord, output: SuccessOutput): Promise<FinishOutcome> {
    const finishedAt = new Date();
    return this.store.finish(record, {
      lifecycle: 'succeeded',
      stage: 'completed',
      status: 'Task completed successfully',
      progress: 100,
      result: output.result,
      history: this.history(record, finishedAt, {
        success: true,
        outcome: 'succeeded',
        output_groups_created: output.groupsCreated,
        output_themes_created: output.themesCreated,
        error_message: null,
      }),
      variable: output.variable ?? undefined,
    });
  }

  fail(record: TaskRecord, failure: BehaviorFailure): Promise<FinishOutcome> {
    const cancelled = failure.kind === 'cancelled';
    const finishedAt = new Date();
    return this.store.finish(record, {
      lifecycle: cancelled ? 'cancelled' : 'failed',
      stage: cancelled ? 'cancelled' : 'failed',
      status: cancelled
        ? `Task was cancelled: ${failure.message}`
        : `Task failed: ${failure.message}`,
      error: failure.message,
      errorKind: failure.kind,
      history: this.history(record, finishedAt, {
        success: false,
        outcome: cancelled ? 'cancelled' : 'failed',
        output_groups_created: null,
        output_themes_created: null,
        error_message: failure.message,
      }),
    });
  }

  private history(
    record: TaskRecord,
    finishedAt: Date,
    outcome: Pick<
      HistoryEntry,
      'success' | 'outcome' | 'output_groups_created' | 'output_themes_created' | 'error_message'
    >,
  ): HistoryEntry {
    const started = record.started_at ? Date.parse(record.started_at) : null;
    return {
      execution_id: randomUUID(),
      task_id: record.id,
      behavior_number: record.behavior_number,
      behavior_type: record.behavior_type,
      started_at: record.started_at,
      finished_at: finishedAt.toISOString(),
      execution_time_seconds: started === null ? null : (finishedAt.getTime() - started) / 1000,
      input_student_count: record.input_student_count,
      ...outcome,
    };
  }
}
