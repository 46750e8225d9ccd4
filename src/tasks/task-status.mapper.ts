import { TaskStatusDto } from './dto/task-status.dto';
import { TaskRecord } from './task.types';

/** The one place our task lifecycle becomes the design note's states and sentences. */
export function toTaskStatus(r: TaskRecord): TaskStatusDto {
  const status = lifecycleStatus(r);
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
  };
}

type LifecycleStatus = Pick<
  TaskStatusDto,
  'state' | 'status' | 'progress' | 'stage' | 'result' | 'error'
>;

function lifecycleStatus(r: TaskRecord): LifecycleStatus {
  const base = {
    result: null,
    error: null,
  };
  switch (r.lifecycle) {
    case 'queued':
      return {
        ...base,
        state: 'PENDING',
        status:
          r.cancel_reason === null
            ? 'Task is waiting to be processed...'
            : 'Cancellation requested...',
        progress: 0,
        stage: 'pending',
      };
    case 'running':
      return {
        ...base,
        state: 'PROGRESS',
        status: r.cancel_reason === null ? r.status : 'Cancellation requested...',
        progress: r.progress,
        stage: r.stage,
      };
    case 'succeeded':
      return {
        ...base,
        state: 'SUCCESS',
        status: 'Task completed successfully',
        progress: 100,
        stage: 'completed',
        result: r.result === null ? null : (JSON.parse(r.result) as TaskStatusDto['result']),
      };
    case 'failed':
      return {
        ...base,
        state: 'FAILURE',
        status: `Task failed: ${r.error ?? 'unknown error'}`,
        progress: r.progress,
        stage: 'failed',
        error: r.error ?? 'unknown error',
      };
    case 'cancelled':
      // Terminal FAILURE, so a polling loop that stops on SUCCESS or FAILURE stops here too.
      return {
        ...base,
        state: 'FAILURE',
        status: `Task was cancelled: ${r.error ?? 'cancelled'}`,
        progress: r.progress,
        stage: 'cancelled',
        error: r.error ?? 'cancelled',
      };
  }
}
