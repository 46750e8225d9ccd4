import { applyDecorators } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiErrors, EXAMPLE_DEPLOYMENT_ID, EXAMPLE_TASK_ID } from '../common/api-docs';
import { CancelTaskResponseDto, TaskStatusDto } from './dto/task-status.dto';

const TASK_NOT_FOUND = {
  description:
    'Unknown task or deployment, a task of another deployment, an id that is not a UUID, or a finished task past its retention',
  message: `Task ${EXAMPLE_TASK_ID} not found for deployment ${EXAMPLE_DEPLOYMENT_ID} (unknown id, another deployment's task, or expired)`,
};

/** OpenAPI description of the status route. */
export function TaskStatusDocs() {
  return applyDecorators(
    ApiOperation({
      summary: 'Check task status',
      description:
        'Poll until state is SUCCESS (result holds the result, its behavior_type says which kind) ' +
        'or FAILURE (error says why; stage cancelled for a cancelled task).',
      operationId: 'getTaskStatus',
    }),
    ApiOkResponse({ type: TaskStatusDto }),
    ApiErrors({ 404: TASK_NOT_FOUND }),
  );
}

/** OpenAPI description of the cancel route. */
export function CancelTaskDocs() {
  return applyDecorators(
    ApiOperation({
      summary: 'Cancel task',
      description:
        'A queued task is removed at once; a running one is asked to stop and killed after the grace ' +
        'period. Answers when the task is over. Cancelling a cancelled task again answers 200.',
      operationId: 'cancelTask',
    }),
    ApiOkResponse({ type: CancelTaskResponseDto }),
    ApiErrors({
      404: TASK_NOT_FOUND,
      409: {
        description:
          'The task already finished, or finished before the cancel took effect; cancelled is false',
        message: `Task ${EXAMPLE_TASK_ID} already finished (SUCCESS); there is nothing to cancel`,
        extras: { task_id: EXAMPLE_TASK_ID, cancelled: false },
      },
    }),
  );
}
