import { applyDecorators } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiExtraModels,
  ApiGatewayTimeoutResponse,
  ApiInternalServerErrorResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiUnprocessableEntityResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../common/error-response.dto';
import {
  SyncGroupAssignmentResponseDto,
  SyncThemeCreationResponseDto,
} from '../tasks/dto/run-result.dto';
import { AsyncTriggerResponseDto } from './dto/trigger-behavior.dto';

/** OpenAPI description of the trigger route. */
export function TriggerDocs() {
  return applyDecorators(
    ApiExtraModels(SyncGroupAssignmentResponseDto, SyncThemeCreationResponseDto),
    ApiOperation({
      summary: 'Trigger behavior execution',
      description:
        'Heavy behaviors (group_assignment, theme_creator) run asynchronously by default and answer 202 ' +
        'with a task id; others run synchronously and answer 200 with the result. async_execution ' +
        'overrides either way.',
      operationId: 'triggerBehavior',
    }),
    ApiAcceptedResponse({ type: AsyncTriggerResponseDto, description: 'Queued; poll the task' }),
    ApiOkResponse({
      description: 'Synchronous run finished successfully',
      schema: {
        oneOf: [
          { $ref: getSchemaPath(SyncGroupAssignmentResponseDto) },
          { $ref: getSchemaPath(SyncThemeCreationResponseDto) },
        ],
      },
    }),
    ApiBadRequestResponse({ type: ErrorResponseDto }),
    ApiNotFoundResponse({
      type: ErrorResponseDto,
      description: 'Unknown deployment or behavior number',
    }),
    ApiConflictResponse({
      type: ErrorResponseDto,
      description: 'The behavior is already queued or running (task_id names it)',
    }),
    ApiUnprocessableEntityResponse({
      type: ErrorResponseDto,
      description: 'Synchronous run failed on its input, e.g. too few students (success: false)',
    }),
    ApiGatewayTimeoutResponse({
      type: ErrorResponseDto,
      description: 'Synchronous run hit a time limit',
    }),
    ApiInternalServerErrorResponse({ type: ErrorResponseDto }),
    ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'Redis is unreachable' }),
  );
}
