import { ApiExtraModels, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Matches } from 'class-validator';
import { ExecutionMode } from '../../tasks/task.types';
import { discriminatedUnion, refTo } from '../../common/openapi-unions';
import { onlyKeys, quickCheck } from '../../common/validation';
import {
  ResolvedGroupAssignmentConfigDto,
  ResolvedRandomGroupingConfigDto,
  ResolvedThemeCreatorConfigDto,
} from '../../deployments/dto/behavior-config.dto';

const BEHAVIOR_NUMBER = /^[1-9][0-9]{0,3}$/;

export class TriggerBehaviorDto {
  @ApiProperty({ example: '1', description: 'The behavior number in the deployment, as a string' })
  @IsString()
  @Matches(BEHAVIOR_NUMBER, {
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

/** What every entry of the behavior list has, whatever its type. */
class BehaviorSummaryBase {
  @ApiProperty({ example: '1' }) behavior_number!: string;
  @ApiProperty({ example: true, description: 'Heavy behaviors run on queue workers by default' })
  heavy!: boolean;
  @ApiProperty({ enum: ['async', 'sync'], enumName: 'ExecutionMode' })
  default_execution!: ExecutionMode;
}

export class GroupAssignmentSummaryDto extends BehaviorSummaryBase {
  @ApiProperty({ enum: ['group_assignment'] }) type!: 'group_assignment';
  @ApiProperty({ type: ResolvedGroupAssignmentConfigDto })
  config!: ResolvedGroupAssignmentConfigDto;
}

export class ThemeCreatorSummaryDto extends BehaviorSummaryBase {
  @ApiProperty({ enum: ['theme_creator'] }) type!: 'theme_creator';
  @ApiProperty({ type: ResolvedThemeCreatorConfigDto }) config!: ResolvedThemeCreatorConfigDto;
}

export class RandomGroupingSummaryDto extends BehaviorSummaryBase {
  @ApiProperty({ enum: ['random_grouping'] }) type!: 'random_grouping';
  @ApiProperty({ type: ResolvedRandomGroupingConfigDto }) config!: ResolvedRandomGroupingConfigDto;
}

export const BEHAVIOR_SUMMARY_UNIONS = {
  BehaviorSummary: discriminatedUnion(
    'type',
    {
      group_assignment: GroupAssignmentSummaryDto,
      theme_creator: ThemeCreatorSummaryDto,
      random_grouping: RandomGroupingSummaryDto,
    },
    'A behavior of the deployment, its config with every default filled in',
  ),
};

/** The service's view of a list entry; the document describes it as `BehaviorSummary`. */
export interface BehaviorSummary {
  behavior_number: string;
  type: string;
  heavy: boolean;
  default_execution: ExecutionMode;
  /** A config as stored: checked, defaults filled in. */
  config: unknown;
}

@ApiExtraModels(GroupAssignmentSummaryDto, ThemeCreatorSummaryDto, RandomGroupingSummaryDto)
export class BehaviorListDto {
  @ApiProperty({ format: 'uuid' }) deployment_id!: string;
  @ApiProperty({ type: 'array', items: refTo('BehaviorSummary') }) behaviors!: BehaviorSummary[];
}

// Every trigger is validated: the usual body skips class-validator (see HotPathValidationPipe).
quickCheck(
  TriggerBehaviorDto,
  (body) =>
    onlyKeys(body, ['behavior_number', 'async_execution']) &&
    typeof body.behavior_number === 'string' &&
    BEHAVIOR_NUMBER.test(body.behavior_number) &&
    (body.async_execution === undefined || typeof body.async_execution === 'boolean'),
);
