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

export function taskLog(
  task: Pick<TaskRecord, 'id' | 'deployment_id' | 'behavior_type' | 'behavior_number'>,
  event: string,
): TaskLogFields {
  return {
    taskId: task.id,
    deploymentId: task.deployment_id,
    behavior: task.behavior_type,
    behaviorNumber: task.behavior_number,
    event,
  };
}
