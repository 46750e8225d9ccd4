import { applyDecorators } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/error-response.dto';
import { CancelTaskResponseDto, TaskStatusDto } from './dto/task-status.dto';

/** OpenAPI description of the status route, shared by the current and the deprecated path. */
export function TaskStatusDocs(deprecated: boolean) {
  return applyDecorators(
    ApiOperation({
      summary: deprecated ? 'Check task status (old path)' : 'Check task status',
      operationId: deprecated ? 'getTaskStatusLegacy' : 'getTaskStatus',
      deprecated,
    }),
    ApiOkResponse({ type: TaskStatusDto }),
    ApiNotFoundResponse({
      type: ErrorResponseDto,
      description: 'Unknown task, or a task of another deployment',
    }),
  );
}

/** OpenAPI description of the cancel route, shared by the current and the deprecated path. */
export function CancelTaskDocs(deprecated: boolean) {
  return applyDecorators(
    ApiOperation({
      summary: deprecated ? 'Cancel task (old path)' : 'Cancel task',
      description:
        'A queued task is removed at once; a running one is asked to stop and killed after the grace ' +
        'period. Answers when the task is over. Cancelling a cancelled task again answers 200.',
      operationId: deprecated ? 'cancelTaskLegacy' : 'cancelTask',
      deprecated,
    }),
    ApiOkResponse({ type: CancelTaskResponseDto }),
    ApiConflictResponse({
      type: ErrorResponseDto,
      description: 'The task already finished; cancelled is false',
    }),
    ApiNotFoundResponse({ type: ErrorResponseDto }),
  );
}
