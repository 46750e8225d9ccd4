import { applyDecorators } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
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

/** OpenAPI description of the live status stream. */
export function TaskEventsDocs() {
  return applyDecorators(
    ApiOperation({
      summary: 'Follow task status (Server-Sent Events)',
      description:
        'A text/event-stream of the same body as the status route: one event now, one after each ' +
        'change of state, progress or stage, and last the SUCCESS or FAILURE one, after which the ' +
        'stream ends. A comment line (": heartbeat") comes every SSE_HEARTBEAT_MS (15 s by default). ' +
        'Polling the status route stays the contract; this only saves the polling.',
      operationId: 'followTaskStatus',
    }),
    ApiProduces('text/event-stream'),
    ApiOkResponse({
      description: 'Events whose data is a TaskStatusDto as JSON',
      content: {
        'text/event-stream': {
          schema: {
            type: 'string',
            example: 'id: 1\ndata: {"task_id":"...","state":"PROGRESS"}\n\n',
          },
        },
      },
    }),
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
