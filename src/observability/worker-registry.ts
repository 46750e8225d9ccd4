import { Injectable } from '@nestjs/common';

/** A task a queue worker of this process is running now. */
export interface CurrentTask {
  task_id: string;
  deployment_id: string;
  behavior: string;
  queue: string;
  since: string;
}

export interface ServedQueue {
  queue: string;
  /** True while the queue's worker takes jobs (BullMQ's worker is running). */
  isRunning(): boolean;
  running(): CurrentTask[];
}

/**
 * The queues this process serves, as their processors announce them. The heartbeat writes them
 * to Redis and readiness asks them whether their workers run; an API without embedded workers
 * has none, and then neither does anything.
 */
@Injectable()
export class WorkerRegistry {
  private readonly queues: ServedQueue[] = [];
  private readonly listeners: (() => void)[] = [];

  serve(queue: ServedQueue): void {
    this.queues.push(queue);
  }

  get served(): readonly ServedQueue[] {
    return this.queues;
  }

  /** A processor started or ended a task: the heartbeat refreshes soon, not at its next beat. */
  changed(): void {
    for (const listener of this.listeners) listener();
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Queues whose worker is not running (empty when all are, or none is served). */
  stopped(): string[] {
    return this.queues.filter((q) => !q.isRunning()).map((q) => q.queue);
  }

  currentTasks(): CurrentTask[] {
    return this.queues.flatMap((q) => q.running());
  }
}
