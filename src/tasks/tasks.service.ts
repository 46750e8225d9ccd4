import { Injectable, MessageEvent } from '@nestjs/common';
import { Observable } from 'rxjs';
import { ConflictError, NotFoundError } from '../common/errors';
import { taskNotFound } from '../common/params';
import { CancelTaskResponseDto, TaskStatusDto } from './dto/task-status.dto';
import { TaskCancellation } from './task-cancellation.service';
import { StreamResponse, TaskEvents } from './task-events.service';
import { toTaskStatus } from './task-status.mapper';
import { TaskStore } from './task.store';
import { TaskLifecycle, TaskRecord } from './task.types';

function apiState(lifecycle: TaskLifecycle): string {
  return lifecycle === 'succeeded' ? 'SUCCESS' : 'FAILURE';
}

/** What the task routes answer: a status, or the truth about a cancel. */
@Injectable()
export class TasksService {
  constructor(
    private readonly store: TaskStore,
    private readonly cancellation: TaskCancellation,
    private readonly events: TaskEvents,
  ) {}

  async status(deploymentId: string, taskId: string): Promise<TaskStatusDto> {
    return toTaskStatus(await this.find(deploymentId, taskId));
  }

  /** The status as a live stream; a 404 (before any event) for a task the status route refuses. */
  async liveStatus(
    deploymentId: string,
    taskId: string,
    response: StreamResponse | undefined,
  ): Promise<Observable<MessageEvent>> {
    await this.find(deploymentId, taskId);
    return this.events.stream(deploymentId, taskId, response);
  }

  /** Cancels a queued or running task and answers only once it is really over. */
  async cancel(deploymentId: string, taskId: string): Promise<CancelTaskResponseDto> {
    const record = await this.find(deploymentId, taskId);
    const outcome = await this.cancellation.cancel(record);
    switch (outcome.kind) {
      case 'missing':
        throw this.notFound(deploymentId, taskId);
      case 'already':
        if (outcome.lifecycle === 'cancelled')
          return {
            message: `Task ${taskId} was already cancelled`,
            task_id: taskId,
            cancelled: true,
          };
        throw new ConflictError(
          `Task ${taskId} already finished (${apiState(outcome.lifecycle)}); there is nothing to cancel`,
          { task_id: taskId, cancelled: false },
        );
      case 'requested':
        if (outcome.final.lifecycle === 'cancelled')
          return { message: `Task ${taskId} has been cancelled`, task_id: taskId, cancelled: true };
        throw new ConflictError(
          `Task ${taskId} finished as ${apiState(outcome.final.lifecycle)} before the cancel took effect`,
          { task_id: taskId, cancelled: false },
        );
    }
  }

  private async find(deploymentId: string, taskId: string): Promise<TaskRecord> {
    const record = await this.store.get(taskId);
    // A task fetched through another deployment's URL is as unknown as a made-up id.
    if (record === null || record.deployment_id !== deploymentId)
      throw this.notFound(deploymentId, taskId);
    return record;
  }

  private notFound(deploymentId: string, taskId: string): NotFoundError {
    return taskNotFound(taskId, deploymentId);
  }
}
