/** Queue and job names, and the payload each job carries: one typed list for the whole service. */
export enum QueueName {
  Behaviors = 'behaviors',
}

export enum JobName {
  RunBehavior = 'run-behavior',
}

export interface JobPayloads {
  [JobName.RunBehavior]: { task_id: string; deployment_id: string; behavior_number: string };
}
