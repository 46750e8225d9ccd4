/** Queue and job names, and the payload each job carries: one typed list for the whole service. */
export enum QueueName {
  GroupAssignment = 'group-assignment',
  ThemeCreation = 'theme-creation',
  /** Async runs of every other behavior (light ones, and any registered at start-up). */
  LightBehaviors = 'light-behaviors',
}

export const ALL_QUEUES: readonly QueueName[] = Object.values(QueueName);

export enum JobName {
  RunBehavior = 'run-behavior',
}

export interface JobPayloads {
  [JobName.RunBehavior]: {
    task_id: string;
    deployment_id: string;
    behavior_number: string;
    behavior_type: string;
  };
}

export type RunBehaviorPayload = JobPayloads[JobName.RunBehavior];

/** The heavy behaviors each have a queue, so a school can give one of them bigger machines. */
export function queueFor(behaviorType: string): QueueName {
  switch (behaviorType) {
    case 'group_assignment':
      return QueueName.GroupAssignment;
    case 'theme_creator':
      return QueueName.ThemeCreation;
    default:
      return QueueName.LightBehaviors;
  }
}
