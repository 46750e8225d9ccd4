import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
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
import {
  GroupAssignmentConfigDto,
  RandomGroupingConfigDto,
  ThemeCreatorConfigDto,
  CONFIG_SCHEMA,
} from './behavior-config.dto';

@ApiExtraModels(GroupAssignmentConfigDto, ThemeCreatorConfigDto, RandomGroupingConfigDto)
export class BehaviorDefinitionDto {
  @ApiProperty({
    enum: ['group_assignment', 'theme_creator', 'random_grouping', 'group', 'themeCreator'],
    description: 'group and themeCreator are the old names; they are stored as the new ones',
  })
  type!: string;

  @ApiPropertyOptional({
    ...CONFIG_SCHEMA,
    description: 'Config for the type; omitted keys take their defaults',
  })
  config?: object;
}

const behaviorsSchema = {
  type: 'object',
  description: 'Behaviors keyed by number ("1", "2", ...)',
  additionalProperties: { $ref: getSchemaPath(BehaviorDefinitionDto) },
  example: {
    '1': { type: 'group_assignment', config: { group_size: 4, grouping_method: 'homogeneous' } },
    '2': { type: 'theme_creator', config: { num_themes: 5 } },
  },
} as const;

@ApiExtraModels(BehaviorDefinitionDto)
export class CreateDeploymentDto {
  @ApiProperty({ example: 'Week 3: energy debate', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  title!: string;

  @ApiProperty(behaviorsSchema)
  @IsObject()
  behaviors!: Record<string, BehaviorDefinitionDto>;
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
  behaviors?: Record<string, BehaviorDefinitionDto>;

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
  @ApiProperty(behaviorsSchema) behaviors!: Record<string, BehaviorDefinitionDto>;
  @ApiProperty({
    type: [String],
    description: 'Subs of the instructors who may see and manage it (admins always may)',
  })
  owners!: string[];
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class PageQueryDto {
  @ApiPropertyOptional({ default: 1, minimum: 1, maximum: 1_000_000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page: number = 1;

  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: 1000 })
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
