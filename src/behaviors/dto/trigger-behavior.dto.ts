import { ApiExtraModels, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Matches } from 'class-validator';
import { ExecutionMode } from '../../tasks/task.types';
import {
  CONFIG_SCHEMA,
  GroupAssignmentConfigDto,
  RandomGroupingConfigDto,
  ThemeCreatorConfigDto,
} from '../../deployments/dto/behavior-config.dto';

export class TriggerBehaviorDto {
  @ApiProperty({ example: '1', description: 'The behavior number in the deployment, as a string' })
  @IsString()
  @Matches(/^[1-9][0-9]{0,3}$/, {
    message: 'behavior_number must be a positive integer written as a string, e.g. "1"',
  })
  behavior_number!: string;

  @ApiPropertyOptional({
    description:
      'Defaults to true for heavy behaviors (group_assignment, theme_creator) and false for the others',
  })
  @IsOptional()
  @IsBoolean()
  async_execution?: boolean;
}

export class AsyncTriggerResponseDto {
  @ApiProperty({ example: '1' }) behavior_number!: string;
  @ApiProperty({ format: 'uuid' }) task_id!: string;
  @ApiProperty({ enum: ['PENDING'], example: 'PENDING' }) status!: 'PENDING';
  @ApiProperty({ example: 'Behavior execution started. Use task ID to check progress.' })
  message!: string;
}

@ApiExtraModels(GroupAssignmentConfigDto, ThemeCreatorConfigDto, RandomGroupingConfigDto)
export class BehaviorSummaryDto {
  @ApiProperty({ example: '1' }) behavior_number!: string;
  @ApiProperty({ example: 'group_assignment' }) type!: string;
  @ApiProperty({ example: true }) heavy!: boolean;
  @ApiProperty({ enum: ['async', 'sync'], enumName: 'ExecutionMode' })
  default_execution!: ExecutionMode;
  @ApiProperty({ ...CONFIG_SCHEMA, description: 'The config with every default filled in' })
  config!: GroupAssignmentConfigDto | ThemeCreatorConfigDto | RandomGroupingConfigDto;
}

export class BehaviorListDto {
  @ApiProperty({ format: 'uuid' }) deployment_id!: string;
  @ApiProperty({ type: [BehaviorSummaryDto] }) behaviors!: BehaviorSummaryDto[];
}
