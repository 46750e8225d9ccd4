import { ApiExtraModels, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
} from 'class-validator';
import { discriminatedUnion, refTo } from '../../common/openapi-unions';
import {
  GroupAssignmentConfigDto,
  RandomGroupingConfigDto,
  ResolvedGroupAssignmentConfigDto,
  ResolvedRandomGroupingConfigDto,
  ResolvedThemeCreatorConfigDto,
  ThemeCreatorConfigDto,
} from './behavior-config.dto';

// A behavior is `{type, config}`; the document describes it as a union discriminated by `type`,
// so each type is tied to its own config. The request form takes the old type names too and
// optional config fields; the stored form (responses) has canonical names and every default.

export class GroupAssignmentBehaviorDto {
  @ApiProperty({
    enum: ['group_assignment', 'group'],
    description: 'group is the old name, stored as group_assignment',
  })
  type!: 'group_assignment' | 'group';
  @ApiPropertyOptional({ type: GroupAssignmentConfigDto })
  config?: GroupAssignmentConfigDto;
}

export class ThemeCreatorBehaviorDto {
  @ApiProperty({
    enum: ['theme_creator', 'themeCreator'],
    description: 'themeCreator is the old name, stored as theme_creator',
  })
  type!: 'theme_creator' | 'themeCreator';
  @ApiPropertyOptional({ type: ThemeCreatorConfigDto })
  config?: ThemeCreatorConfigDto;
}

export class RandomGroupingBehaviorDto {
  @ApiProperty({ enum: ['random_grouping'] }) type!: 'random_grouping';
  @ApiPropertyOptional({ type: RandomGroupingConfigDto })
  config?: RandomGroupingConfigDto;
}

export class StoredGroupAssignmentBehaviorDto {
  @ApiProperty({ enum: ['group_assignment'] }) type!: 'group_assignment';
  @ApiProperty({ type: ResolvedGroupAssignmentConfigDto })
  config!: ResolvedGroupAssignmentConfigDto;
}

export class StoredThemeCreatorBehaviorDto {
  @ApiProperty({ enum: ['theme_creator'] }) type!: 'theme_creator';
  @ApiProperty({ type: ResolvedThemeCreatorConfigDto }) config!: ResolvedThemeCreatorConfigDto;
}

export class StoredRandomGroupingBehaviorDto {
  @ApiProperty({ enum: ['random_grouping'] }) type!: 'random_grouping';
  @ApiProperty({ type: ResolvedRandomGroupingConfigDto }) config!: ResolvedRandomGroupingConfigDto;
}

/** The named unions of this file, added to the document's components by `registerUnions`. */
export const BEHAVIOR_DEFINITION_UNIONS = {
  BehaviorDefinition: discriminatedUnion(
    'type',
    {
      group_assignment: GroupAssignmentBehaviorDto,
      group: GroupAssignmentBehaviorDto,
      theme_creator: ThemeCreatorBehaviorDto,
      themeCreator: ThemeCreatorBehaviorDto,
      random_grouping: RandomGroupingBehaviorDto,
    },
    'A behavior and its config; the type decides which config',
  ),
  StoredBehaviorDefinition: discriminatedUnion(
    'type',
    {
      group_assignment: StoredGroupAssignmentBehaviorDto,
      theme_creator: StoredThemeCreatorBehaviorDto,
      random_grouping: StoredRandomGroupingBehaviorDto,
    },
    'A behavior as stored: canonical type name, every config default filled in',
  ),
};

/** What the service reads from a request behavior; `parseBehaviorDefinitions` checks it. */
export interface BehaviorDefinitionInput {
  type: string;
  config?: object;
}

/** A stored behavior as answered. */
export interface StoredBehaviorDefinition {
  type: string;
  config: object;
}

const behaviorsSchema = {
  type: 'object',
  description: 'Behaviors keyed by number ("1", "2", ...)',
  additionalProperties: refTo('BehaviorDefinition'),
  example: {
    '1': { type: 'group_assignment', config: { group_size: 4, grouping_method: 'homogeneous' } },
    '2': { type: 'theme_creator', config: { num_themes: 5 } },
  },
} as const;

@ApiExtraModels(
  GroupAssignmentBehaviorDto,
  ThemeCreatorBehaviorDto,
  RandomGroupingBehaviorDto,
  StoredGroupAssignmentBehaviorDto,
  StoredThemeCreatorBehaviorDto,
  StoredRandomGroupingBehaviorDto,
)
export class CreateDeploymentDto {
  @ApiProperty({ example: 'Week 3: energy debate', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  title!: string;

  @ApiProperty(behaviorsSchema)
  @IsObject()
  behaviors!: Record<string, BehaviorDefinitionInput>;
}

export class UpdateDeploymentDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  title?: string;

  @ApiPropertyOptional({ ...behaviorsSchema, description: 'Replaces the whole behavior map' })
  @IsOptional()
  @IsObject()
  behaviors?: Record<string, BehaviorDefinitionInput>;

  @ApiPropertyOptional({
    type: [String],
    maxItems: 100,
    description:
      'Replaces the owners: the subs (token `sub`) of the instructors who may see and manage the ' +
      'deployment. Leaving yourself out gives it away.',
    example: ['ana', 'ben'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  owners?: string[];
}

/** Response shape of a deployment; built by toDeploymentDto, never the stored record itself. */
export class DeploymentDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  title!: string;
  @ApiProperty({
    type: 'object',
    description: 'Behaviors keyed by number, with canonical type names and every default filled in',
    additionalProperties: refTo('StoredBehaviorDefinition'),
  })
  behaviors!: Record<string, StoredBehaviorDefinition>;
  @ApiProperty({
    type: [String],
    description: 'Subs of the instructors who may see and manage it (admins always may)',
  })
  owners!: string[];
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class PageQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    default: 1,
    minimum: 1,
    maximum: 1_000_000,
    description: 'Which page, from 1',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page: number = 1;

  @ApiPropertyOptional({
    type: 'integer',
    default: 20,
    minimum: 1,
    maximum: 1000,
    description: 'Entries per page',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  page_size: number = 20;
}

export class DeploymentPageDto {
  @ApiProperty({ type: [DeploymentDto] }) items!: DeploymentDto[];
  @ApiProperty({ type: 'integer' }) page!: number;
  @ApiProperty({ type: 'integer' }) page_size!: number;
  @ApiProperty({ type: 'integer' }) total!: number;
}
