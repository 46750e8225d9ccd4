import { ApiExtraModels, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { refTo } from '../../common/openapi-unions';
import { GroupAssignmentRunResultDto, ThemeCreationRunResultDto } from './run-result.dto';
import { TASK_STAGES, TaskStage } from '../task.types';

export const TASK_STATES = ['PENDING', 'PROGRESS', 'SUCCESS', 'FAILURE'] as const;
export type TaskState = (typeof TASK_STATES)[number];

@ApiExtraModels(GroupAssignmentRunResultDto, ThemeCreationRunResultDto)
export class TaskStatusDto {
  @ApiProperty({ format: 'uuid', example: '7d3c3c5e-2f8b-4d0e-9c55-0f8f6f6b2a10' })
  task_id!: string;

  @ApiProperty({ enum: TASK_STATES, enumName: 'TaskState', example: 'PROGRESS' })
  state!: TaskState;

  @ApiProperty({
    description: 'A sentence for people',
    example: 'Performing hierarchical clustering...',
  })
  status!: string;

  @ApiProperty({
    minimum: 0,
    maximum: 100,
    type: 'integer',
    example: 60,
    description: 'Never goes down',
  })
  progress!: number;

  @ApiProperty({ enum: TASK_STAGES, enumName: 'TaskStage', example: 'execution' })
  stage!: TaskStage;

  @ApiProperty({
    description: "The behavior's result on SUCCESS, else null",
    oneOf: [refTo('RunResult'), refTo('NoResult')],
  })
  result!: GroupAssignmentRunResultDto | ThemeCreationRunResultDto | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why it failed or was cancelled',
    example: null,
  })
  error!: string | null;

  @ApiProperty({ example: '1' })
  behavior_number!: string;

  @ApiProperty({ example: 'group_assignment' })
  behavior_type!: string;

  @ApiProperty({ enum: ['async', 'sync'], enumName: 'ExecutionMode' })
  execution_mode!: 'async' | 'sync';

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  started_at!: string | null;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true })
  finished_at!: string | null;

  @ApiProperty({
    type: 'integer',
    example: 1,
    description:
      'Starts so far: 0 while first queued, 2 or more after a worker stopped or was lost and another ran it again',
  })
  attempt!: number;
}

export class CancelTaskResponseDto {
  @ApiProperty({ example: 'Task 7d3c3c5e-2f8b-4d0e-9c55-0f8f6f6b2a10 has been cancelled' })
  message!: string;

  @ApiProperty({ format: 'uuid' })
  task_id!: string;

  @ApiProperty({ example: true })
  cancelled!: boolean;
}
