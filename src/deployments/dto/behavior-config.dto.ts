import { ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

// Config classes per behavior type: class-validator checks them, the defaults are the property
// initialisers (applied by class-transformer), and Swagger documents them from the same place.

export class GroupAssignmentConfigDto {
  @ApiPropertyOptional({
    default: 4,
    minimum: 1,
    maximum: 1000,
    description: 'Students per group, or the number of groups in number_of_groups mode',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  group_size: number = 4;

  @ApiPropertyOptional({
    enum: ['students_per_group', 'number_of_groups'],
    default: 'students_per_group',
  })
  @IsOptional()
  @IsIn(['students_per_group', 'number_of_groups'])
  group_size_mode: 'students_per_group' | 'number_of_groups' = 'students_per_group';

  @ApiPropertyOptional({
    enum: ['homogeneous', 'diverse', 'mixed'],
    default: 'mixed',
    description:
      'homogeneous: similar answers together; diverse: different answers together; mixed: in between',
  })
  @IsOptional()
  @IsIn(['homogeneous', 'diverse', 'mixed'])
  grouping_method: 'homogeneous' | 'diverse' | 'mixed' = 'mixed';

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  include_explanations: boolean = true;

  @ApiPropertyOptional({ default: 'Group Assignment', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  label: string = 'Group Assignment';

  @ApiPropertyOptional({
    type: [String],
    default: [],
    description: 'Use only these prompts\u2019 answers',
  })
  @IsOptional()
  @IsString({ each: true })
  @ArrayMaxSize(100)
  selected_submission_prompts: string[] = [];
}

export class ThemeCreatorConfigDto {
  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 1,
    maximum: 20,
    default: null,
    description: 'Number of themes; omit or null to choose it from the data',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(20)
  num_themes: number | null = null;

  @ApiPropertyOptional({ default: 'Theme Creator', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  label: string = 'Theme Creator';

  @ApiPropertyOptional({ type: [String], default: [] })
  @IsOptional()
  @IsString({ each: true })
  @ArrayMaxSize(100)
  selected_submission_prompts: string[] = [];

  @ApiPropertyOptional({ default: true, description: 'Only acts when an LLM is configured' })
  @IsOptional()
  @IsBoolean()
  use_llm_polish: boolean = true;

  @ApiPropertyOptional({
    default: '',
    maxLength: 2000,
    description: "Teacher's guidance for theme titles",
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  llm_polish_prompt: string = '';
}

export class RandomGroupingConfigDto {
  @ApiPropertyOptional({ default: 4, minimum: 2, maximum: 1000 })
  @IsOptional()
  @IsInt()
  @Min(2)
  @Max(1000)
  group_size: number = 4;

  @ApiPropertyOptional({ default: 0, description: 'The same seed always gives the same groups' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2 ** 31 - 1)
  seed: number = 0;

  @ApiPropertyOptional({ default: 'Random Grouping', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  label: string = 'Random Grouping';

  @ApiPropertyOptional({ type: [String], default: [] })
  @IsOptional()
  @IsString({ each: true })
  @ArrayMaxSize(100)
  selected_submission_prompts: string[] = [];
}

/** A behavior's config in the OpenAPI document: one of the shipped behaviors' configs. */
export const CONFIG_SCHEMA = {
  oneOf: [
    { $ref: getSchemaPath(GroupAssignmentConfigDto) },
    { $ref: getSchemaPath(ThemeCreatorConfigDto) },
    { $ref: getSchemaPath(RandomGroupingConfigDto) },
  ],
};
