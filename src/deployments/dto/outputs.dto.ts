import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ThemeDto } from '../../tasks/dto/run-result.dto';

@ApiExtraModels(ThemeDto)
export class VariableDto {
  @ApiProperty({ example: 'group_1', description: 'group_{n} or theme_{n}' }) name!: string;

  @ApiProperty({
    description: 'group_{n}: {"Group1": [names]}; theme_{n}: the theme list',
    oneOf: [
      { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
      { type: 'array', items: { $ref: getSchemaPath(ThemeDto) } },
    ],
  })
  value!: Record<string, string[]> | ThemeDto[];

  @ApiProperty({ format: 'uuid', description: 'The run that wrote it' }) task_id!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class VariablesDto {
  @ApiProperty({ format: 'uuid' }) deployment_id!: string;
  @ApiProperty({ type: [VariableDto] }) variables!: VariableDto[];
}

export class StudentGroupDto {
  @ApiProperty({ example: 'ana@school.edu' }) student_name!: string;
  @ApiProperty({ example: 'Group2' }) group_name!: string;
  @ApiProperty({ type: [String], description: 'The other members' }) members!: string[];
  @ApiProperty({ example: 'group_1' }) variable!: string;
  @ApiProperty({ example: '1' }) behavior_number!: string;
  @ApiProperty({ format: 'uuid' }) task_id!: string;
  @ApiProperty({ format: 'date-time' }) assigned_at!: string;
}

export class HistoryEntryDto {
  @ApiProperty({ format: 'uuid' }) execution_id!: string;
  @ApiProperty({ format: 'uuid' }) task_id!: string;
  @ApiProperty({ example: '1' }) behavior_number!: string;
  @ApiProperty({ example: 'group_assignment' }) behavior_type!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) started_at!: string | null;
  @ApiProperty({ format: 'date-time' }) finished_at!: string;
  success!: boolean;
  @ApiProperty({ enum: ['succeeded', 'failed', 'cancelled'] }) outcome!: string;
  @ApiProperty({ type: Number, nullable: true }) execution_time_seconds!: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) input_student_count!: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) output_groups_created!: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) output_themes_created!: number | null;
  @ApiProperty({ type: String, nullable: true }) error_message!: string | null;
}

export class HistoryDto {
  @ApiProperty({ format: 'uuid' }) deployment_id!: string;
  @ApiProperty({ type: [HistoryEntryDto], description: 'Newest first' })
  executions!: HistoryEntryDto[];
}

export class HistoryQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    default: 100,
    minimum: 1,
    maximum: 1000,
    description: 'At most this many runs, newest first',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit: number = 100;
}
