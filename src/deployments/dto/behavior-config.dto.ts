import { ApiProperty, ApiPropertyOptional, ApiPropertyOptions } from '@nestjs/swagger';
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
//
// Each config has two schemas. The request one (`...ConfigDto`) has every field optional and
// states its default in words only: a `default` keyword makes openapi-typescript (default
// settings) type the field as required, so a client could not leave it out. The response one
// (`Resolved...ConfigDto`, what `GET .../behaviors` and the deployment return) has every field
// required, because the service fills every default in before storing a config. The Swagger CLI
// plugin writes each initialiser as a `default`; `CONFIG_REQUEST_SCHEMAS` lists the schemas whose
// defaults the document builder takes out again.

type FieldDocs = Record<string, ApiPropertyOptions>;

/** The request form of a field: optional, with its default said in the description. */
function optional(doc: ApiPropertyOptions, fallback: unknown): ApiPropertyOptions {
  const said = `Default: ${JSON.stringify(fallback)}.`;
  return { ...doc, description: doc.description ? `${doc.description}. ${said}` : said };
}

const GROUP_ASSIGNMENT: FieldDocs = {
  group_size: {
    type: 'integer',
    minimum: 1,
    maximum: 1000,
    example: 4,
    description: 'Students per group, or the number of groups in number_of_groups mode',
  },
  group_size_mode: { enum: ['students_per_group', 'number_of_groups'] },
  grouping_method: {
    enum: ['homogeneous', 'diverse', 'mixed'],
    example: 'diverse',
    description:
      'homogeneous: similar answers together; diverse: different answers together; mixed: in between',
  },
  include_explanations: { type: Boolean },
  label: { type: String, maxLength: 200 },
  selected_submission_prompts: {
    type: [String],
    maxItems: 100,
    description: 'Use only these prompts\u2019 answers (none: all of them)',
  },
};

export class GroupAssignmentConfigDto {
  @ApiPropertyOptional(optional(GROUP_ASSIGNMENT.group_size, 4))
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  group_size: number = 4;

  @ApiPropertyOptional(optional(GROUP_ASSIGNMENT.group_size_mode, 'students_per_group'))
  @IsOptional()
  @IsIn(['students_per_group', 'number_of_groups'])
  group_size_mode: 'students_per_group' | 'number_of_groups' = 'students_per_group';

  @ApiPropertyOptional(optional(GROUP_ASSIGNMENT.grouping_method, 'mixed'))
  @IsOptional()
  @IsIn(['homogeneous', 'diverse', 'mixed'])
  grouping_method: 'homogeneous' | 'diverse' | 'mixed' = 'mixed';

  @ApiPropertyOptional(optional(GROUP_ASSIGNMENT.include_explanations, true))
  @IsOptional()
  @IsBoolean()
  include_explanations: boolean = true;

  @ApiPropertyOptional(optional(GROUP_ASSIGNMENT.label, 'Group Assignment'))
  @IsOptional()
  @IsString()
  @MaxLength(200)
  label: string = 'Group Assignment';

  @ApiPropertyOptional(optional(GROUP_ASSIGNMENT.selected_submission_prompts, []))
  @IsOptional()
  @IsString({ each: true })
  @ArrayMaxSize(100)
  selected_submission_prompts: string[] = [];
}

export class ResolvedGroupAssignmentConfigDto {
  @ApiProperty(GROUP_ASSIGNMENT.group_size) group_size!: number;
  @ApiProperty(GROUP_ASSIGNMENT.group_size_mode) group_size_mode!:
    'students_per_group' | 'number_of_groups';
  @ApiProperty(GROUP_ASSIGNMENT.grouping_method) grouping_method!:
    'homogeneous' | 'diverse' | 'mixed';
  @ApiProperty(GROUP_ASSIGNMENT.include_explanations) include_explanations!: boolean;
  @ApiProperty(GROUP_ASSIGNMENT.label) label!: string;
  @ApiProperty(GROUP_ASSIGNMENT.selected_submission_prompts) selected_submission_prompts!: string[];
}

const THEME_CREATOR: FieldDocs = {
  num_themes: {
    type: 'integer',
    nullable: true,
    minimum: 1,
    maximum: 20,
    example: 4,
    description: 'Number of themes; null to choose it from the data',
  },
  label: { type: String, maxLength: 200 },
  selected_submission_prompts: {
    type: [String],
    maxItems: 100,
    description: 'Use only these prompts\u2019 answers (none: all of them)',
  },
  use_llm_polish: { type: Boolean, description: 'Only acts when an LLM is configured' },
  llm_polish_prompt: {
    type: String,
    maxLength: 2000,
    description: "Teacher's guidance for theme titles",
  },
};

export class ThemeCreatorConfigDto {
  @ApiPropertyOptional(optional(THEME_CREATOR.num_themes, null))
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(20)
  num_themes: number | null = null;

  @ApiPropertyOptional(optional(THEME_CREATOR.label, 'Theme Creator'))
  @IsOptional()
  @IsString()
  @MaxLength(200)
  label: string = 'Theme Creator';

  @ApiPropertyOptional(optional(THEME_CREATOR.selected_submission_prompts, []))
  @IsOptional()
  @IsString({ each: true })
  @ArrayMaxSize(100)
  selected_submission_prompts: string[] = [];

  @ApiPropertyOptional(optional(THEME_CREATOR.use_llm_polish, true))
  @IsOptional()
  @IsBoolean()
  use_llm_polish: boolean = true;

  @ApiPropertyOptional(optional(THEME_CREATOR.llm_polish_prompt, ''))
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  llm_polish_prompt: string = '';
}

export class ResolvedThemeCreatorConfigDto {
  @ApiProperty(THEME_CREATOR.num_themes) num_themes!: number | null;
  @ApiProperty(THEME_CREATOR.label) label!: string;
  @ApiProperty(THEME_CREATOR.selected_submission_prompts) selected_submission_prompts!: string[];
  @ApiProperty(THEME_CREATOR.use_llm_polish) use_llm_polish!: boolean;
  @ApiProperty(THEME_CREATOR.llm_polish_prompt) llm_polish_prompt!: string;
}

const RANDOM_GROUPING: FieldDocs = {
  group_size: { type: 'integer', minimum: 2, maximum: 1000, example: 3 },
  seed: {
    type: 'integer',
    minimum: 0,
    maximum: 2 ** 31 - 1,
    example: 7,
    description: 'The same seed always gives the same groups',
  },
  label: { type: String, maxLength: 200 },
  selected_submission_prompts: {
    type: [String],
    maxItems: 100,
    description: 'Use only these prompts\u2019 answers (none: all of them)',
  },
};

export class RandomGroupingConfigDto {
  @ApiPropertyOptional(optional(RANDOM_GROUPING.group_size, 4))
  @IsOptional()
  @IsInt()
  @Min(2)
  @Max(1000)
  group_size: number = 4;

  @ApiPropertyOptional(optional(RANDOM_GROUPING.seed, 0))
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2 ** 31 - 1)
  seed: number = 0;

  @ApiPropertyOptional(optional(RANDOM_GROUPING.label, 'Random Grouping'))
  @IsOptional()
  @IsString()
  @MaxLength(200)
  label: string = 'Random Grouping';

  @ApiPropertyOptional(optional(RANDOM_GROUPING.selected_submission_prompts, []))
  @IsOptional()
  @IsString({ each: true })
  @ArrayMaxSize(100)
  selected_submission_prompts: string[] = [];
}

export class ResolvedRandomGroupingConfigDto {
  @ApiProperty(RANDOM_GROUPING.group_size) group_size!: number;
  @ApiProperty(RANDOM_GROUPING.seed) seed!: number;
  @ApiProperty(RANDOM_GROUPING.label) label!: string;
  @ApiProperty(RANDOM_GROUPING.selected_submission_prompts) selected_submission_prompts!: string[];
}

/** Request schemas whose fields are optional: their `default` keywords are removed. */
export const CONFIG_REQUEST_SCHEMAS = [
  GroupAssignmentConfigDto.name,
  ThemeCreatorConfigDto.name,
  RandomGroupingConfigDto.name,
];
