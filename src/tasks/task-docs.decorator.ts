import { applyDecorators } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces } from '@nestjs/swagger';
import { ApiErrors, EXAMPLE_DEPLOYMENT_ID, EXAMPLE_TASK_ID } from '../common/api-docs';
import { CancelTaskResponseDto, TaskStatusDto } from './dto/task-status.dto';

const TASK_NOT_FOUND = {
  description:
    'Unknown task or deployment, a task of another deployment, an id that is not a UUID, or a finished task past its retention',
  message: `Task ${EXAMPLE_TASK_ID} not found for deployment ${EXAMPLE_DEPLOYMENT_ID} (unknown id, another deployment's task, or expired)`,
};

const STATUS_BASE = {
  task_id: EXAMPLE_TASK_ID,
  behavior_number: '1',
  behavior_type: 'group_assignment',
  execution_mode: 'async',
  created_at: '2026-03-02T09:15:00.000Z',
};
const STARTED = { ...STATUS_BASE, started_at: '2026-03-02T09:15:00.120Z', attempt: 1 };

/** One example per state, so a reader sees what result and error hold in each (lint checks them). */
const STATUS_EXAMPLES = {
  pending: {
    summary: 'Queued',
    value: {
      ...STATUS_BASE,
      state: 'PENDING',
      status: 'Task is waiting to be processed...',
      progress: 0,
      stage: 'pending',
      result: null,
      error: null,
      started_at: null,
      finished_at: null,
      attempt: 0,
    },
  },
  progress: {
    summary: 'Running',
    value: {
      ...STARTED,
      state: 'PROGRESS',
      status: 'Performing hierarchical clustering...',
      progress: 60,
      stage: 'execution',
      result: null,
      error: null,
      finished_at: null,
    },
  },
  success: {
    summary: 'Finished: result holds the groups (behavior_type says which kind of result)',
    value: {
      ...STARTED,
      state: 'SUCCESS',
      status: 'Task completed successfully',
      progress: 100,
      stage: 'completed',
      result: {
        success: true,
        behavior_type: 'group_assignment',
        execution_time: '0:00:01.234567',
        executed_at: '2026-03-02T09:15:00.120Z',
        task_id: EXAMPLE_TASK_ID,
        groups: {
          Group1: ['ana@school.edu', 'ben@school.edu'],
          Group2: ['cy@school.edu', 'di@school.edu'],
        },
        explanations: { Group1: 'Both wrote about solar power.', Group2: 'Both wrote about wind.' },
        metadata: {
          total_students: 4,
          total_groups: 2,
          group_size_target: 2,
          group_size_mode: 'students_per_group',
          grouping_method: 'homogeneous',
          includes_explanations: true,
          label: 'Group Assignment',
          mean_within_group_similarity: 0.41,
          explanation_source: 'answers',
          embedding_provider: 'use-lite-512',
          embedding_fallback: null,
        },
      },
      error: null,
      finished_at: '2026-03-02T09:15:01.400Z',
    },
  },
  failure: {
    summary: 'Failed: error says why',
    value: {
      ...STARTED,
      state: 'FAILURE',
      status: 'Task failed: Soft time limit exceeded (300 s)',
      progress: 60,
      stage: 'failed',
      result: null,
      error: 'Soft time limit exceeded (300 s)',
      finished_at: '2026-03-02T09:20:00.150Z',
    },
  },
  cancelled: {
    summary: 'Cancelled: a FAILURE with stage cancelled',
    value: {
      ...STARTED,
      state: 'FAILURE',
      status: 'Task was cancelled: Cancelled by a cancel request',
      progress: 45,
      stage: 'cancelled',
      result: null,
      error: 'Cancelled by a cancel request',
      finished_at: '2026-03-02T09:15:03.000Z',
    },
  },
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
    ApiOkResponse({ type: TaskStatusDto, examples: STATUS_EXAMPLES }),
    ApiErrors({ 404: TASK_NOT_FOUND }),
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
