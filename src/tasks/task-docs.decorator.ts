import { applyDecorators } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/error-response.dto';
import { CancelTaskResponseDto, TaskStatusDto } from './dto/task-status.dto';

/** OpenAPI description of the status route. */
export function TaskStatusDocs() {
  return applyDecorators(
    ApiOperation({
      summary: 'Check task status',
      operationId: 'getTaskStatus',
    }),
    ApiOkResponse({ type: TaskStatusDto }),
    ApiNotFoundResponse({
      type: ErrorResponseDto,
      description: 'Unknown task, or a task of another deployment',
    }),
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
    ApiConflictResponse({
      type: ErrorResponseDto,
      description: 'The task already finished; cancelled is false',
    }),
    ApiNotFoundResponse({ type: ErrorResponseDto }),
  );
}
