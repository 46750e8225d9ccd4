import { TaskRecord } from './task.types';

/** The fields every log line about a task carries, so one task's lines can be picked out. */
export interface TaskLogFields {
  taskId: string;
  deploymentId: string;
  behavior: string;
  behaviorNumber: string;
  /** What happened: queued, started, stage, progress, succeeded, failed, cancelled, killed, ... */
  event: string;
}

/**
 * A task's log fields, with `extra` fields after them. Object.assign onto the new object rather
 * than `{ ...taskLog(t, e), more }`: on Node 20's V8 each property written after a spread takes a
 * slow path of about a microsecond and a half, and these lines are written on every run.
 */
export function taskLog<
  // Extra fields may not replace the task's own.
  T extends Record<string, unknown> & Partial<Record<keyof TaskLogFields, never>> = Record<
    string,
    never
  >,
>(
  task: Pick<TaskRecord, 'id' | 'deployment_id' | 'behavior_type' | 'behavior_number'>,
  event: string,
  extra?: T,
): TaskLogFields & T {
  const fields = {
    taskId: task.id,
    deploymentId: task.deployment_id,
    behavior: task.behavior_type,
    behaviorNumber: task.behavior_number,
    event,
  };
  return (extra === undefined ? fields : Object.assign(fields, extra)) as TaskLogFields & T;
}
