import { TaskStatusDto } from './dto/task-status.dto';
import { PROCESS_STOPPED } from './lease-reaper.service';
import { TaskRecord } from './task.types';

/** The one place our task lifecycle becomes the design note's states and sentences. */
export function toTaskStatus(r: TaskRecord, now = Date.now()): TaskStatusDto {
  const status = lifecycleStatus(r, now);
  // The note's seven fields first, in the note's order; then what helps a person debugging.
  return {
    task_id: r.id,
    state: status.state,
    status: status.status,
    progress: status.progress,
    stage: status.stage,
    result: status.result,
    error: status.error,
    behavior_number: r.behavior_number,
    behavior_type: r.behavior_type,
    execution_mode: r.mode,
    created_at: r.created_at,
    started_at: r.started_at,
    finished_at: r.finished_at,
    attempt: r.attempt,
  };
}

type LifecycleStatus = Pick<
  TaskStatusDto,
  'state' | 'status' | 'progress' | 'stage' | 'result' | 'error'
>;

/**
 * Every field written out, no spread of shared defaults: on Node 20 each property written after
 * a spread takes a slow path (see task-log.ts), and this runs on every status read.
 */
function lifecycleStatus(r: TaskRecord, now: number): LifecycleStatus {
  switch (r.lifecycle) {
    case 'queued':
      return {
        state: 'PENDING',
        status:
          // A task put back on its queue says so ("Waiting to be retried: ...").
          r.cancel_reason === null ? r.status : 'Cancellation requested...',
        progress: 0,
        stage: 'pending',
        result: null,
        error: null,
      };
    case 'running':
      // Its lease lapsed: the process running it is gone, whatever the record still says.
      if (r.lease_until !== null && r.lease_until < now) {
        return r.mode === 'sync'
          ? {
              state: 'FAILURE',
              status: `Task failed: ${PROCESS_STOPPED}`,
              progress: r.progress,
              stage: 'failed',
              error: PROCESS_STOPPED,
              result: null,
            }
          : {
              state: 'PENDING',
              status: 'Waiting to be retried: the worker running it stopped responding',
              progress: 0,
              stage: 'pending',
              result: null,
              error: null,
            };
      }
      return {
        state: 'PROGRESS',
        status: r.cancel_reason === null ? r.status : 'Cancellation requested...',
        progress: r.progress,
        stage: r.stage,
        result: null,
        error: null,
      };
    case 'succeeded':
      return {
        state: 'SUCCESS',
        status: 'Task completed successfully',
        progress: 100,
        stage: 'completed',
        result: r.result === null ? null : storedResult(r.result, r.behavior_type),
        error: null,
      };
    case 'failed':
      return {
        state: 'FAILURE',
        status: `Task failed: ${r.error ?? 'unknown error'}`,
        progress: r.progress,
        stage: 'failed',
        error: r.error ?? 'unknown error',
        result: null,
      };
    case 'cancelled':
      // Terminal FAILURE, so a polling loop that stops on SUCCESS or FAILURE stops here too.
      return {
        state: 'FAILURE',
        status: `Task was cancelled: ${r.error ?? 'cancelled'}`,
        progress: r.progress,
        stage: 'cancelled',
        error: r.error ?? 'cancelled',
        result: null,
      };
  }
}

/**
 * A stored result as answered. One written by a worker of an older version has no behavior_type,
 * which clients narrow on: the task record's type fills it in; a stored one wins.
 */
function storedResult(json: string, behaviorType: string): TaskStatusDto['result'] {
  return {
    behavior_type: behaviorType,
    ...(JSON.parse(json) as object),
  } as TaskStatusDto['result'];
}
