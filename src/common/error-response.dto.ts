import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The one error body of the service. Extra fields appear where they help the caller act. */
export class ErrorResponseDto {
  @ApiProperty({ type: 'integer', example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({ example: 'behaviors.1.config.group_size must not be less than 2' })
  message!: string;

  @ApiPropertyOptional({
    type: [String],
    description: 'Fields that failed validation',
    example: ['behaviors.1.config.group_size'],
  })
  fields?: string[];

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'The task concerned (running task on a duplicate trigger)',
  })
  task_id?: string;

  @ApiPropertyOptional({ description: 'On cancel: whether the task was cancelled' })
  cancelled?: boolean;

  @ApiPropertyOptional({ description: 'On a failed synchronous run: always false' })
  success?: boolean;

  @ApiPropertyOptional({ description: 'On trigger errors: the behavior concerned' })
  behavior_number?: string;
}
