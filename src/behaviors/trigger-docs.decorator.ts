import { applyDecorators } from '@nestjs/common';
import { ApiAcceptedResponse, ApiExtraModels, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import {
  ApiErrors,
  BODY_TOO_LARGE,
  EXAMPLE_DEPLOYMENT_ID,
  EXAMPLE_TASK_ID,
  INVALID_BODY,
} from '../common/api-docs';
import { refTo } from '../common/openapi-unions';
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
      schema: refTo('SyncRunResult'),
    }),
    ApiErrors({
      400: {
        ...INVALID_BODY,
        message: 'behavior_number must be a positive integer written as a string, e.g. "1"',
        extras: { fields: ['behavior_number'] },
      },
      404: {
        description: 'Unknown deployment, or no behavior with this number in it',
        message: `Behavior 7 not found in deployment ${EXAMPLE_DEPLOYMENT_ID} (it has: 1, 2)`,
        extras: { behavior_number: '7' },
      },
      409: {
        description:
          'The behavior is already queued or running (task_id names that task); or a synchronous run was cancelled',
        message:
          `Behavior 1 of deployment ${EXAMPLE_DEPLOYMENT_ID} is already queued or running as task ` +
          `${EXAMPLE_TASK_ID}; wait for it to finish or cancel it`,
        extras: { task_id: EXAMPLE_TASK_ID, behavior_number: '1' },
      },
      413: BODY_TOO_LARGE,
      422: {
        description:
          'A synchronous run failed on its input, e.g. too few students (success: false)',
        message:
          'Need at least 2 students to form groups, but only 1 of the 1 submitted student(s) qualify. ' +
          'Collect more answers or change the selected prompts.',
        extras: { success: false, task_id: EXAMPLE_TASK_ID, behavior_number: '3' },
      },
      500: {
        description: 'A synchronous run crashed (a bug); the task is recorded as FAILURE',
        message: 'Internal server error',
      },
      504: {
        description: 'A synchronous run hit its soft or hard time limit (success: false)',
        message: 'Soft time limit exceeded (300 s)',
        extras: { success: false, task_id: EXAMPLE_TASK_ID, behavior_number: '3' },
      },
    }),
  );
}
