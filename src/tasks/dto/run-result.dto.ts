import { ApiProperty, SchemaObject } from '@nestjs/swagger';
import { discriminatedUnion } from '../../common/openapi-unions';

const groupsSchema = {
  type: 'object',
  additionalProperties: { type: 'array', items: { type: 'string' } },
  example: {
    Group1: ['ana@school.edu', 'ben@school.edu'],
    Group2: ['cy@school.edu', 'di@school.edu'],
  },
} as const;

const explanationsSchema = {
  type: 'object',
  additionalProperties: { type: 'string' },
  example: { Group1: 'Ana and Ben both wrote about solar panels and battery storage.' },
} as const;

export class GroupingMetadataDto {
  @ApiProperty({ type: 'integer', example: 24 }) total_students!: number;
  @ApiProperty({ type: 'integer', example: 6 }) total_groups!: number;
  @ApiProperty({ type: 'integer', example: 4 }) group_size_target!: number;
  @ApiProperty({ enum: ['students_per_group', 'number_of_groups'] }) group_size_mode!: string;
  @ApiProperty({ enum: ['homogeneous', 'diverse', 'mixed', 'random'] }) grouping_method!: string;
  includes_explanations!: boolean;
  @ApiProperty({ example: 'Group Assignment' }) label!: string;
  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      'Mean cosine similarity of answers within a group (null when answers were not compared)',
  })
  mean_within_group_similarity!: number | null;
  @ApiProperty({ enum: ['llm', 'answers', 'mixed', 'none', 'shuffle'] })
  explanation_source!: string;
  @ApiProperty({ type: String, nullable: true, example: 'use-lite-512' }) embedding_provider!:
    string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why a fallback provider was used' })
  embedding_fallback!: string | null;
}

export class ThemeDto {
  @ApiProperty({ example: 'Solar & Battery Storage' }) title!: string;
  @ApiProperty({ example: 'Theme based on 7 student responses' }) description!: string;
  @ApiProperty({ type: [String], example: ['solar', 'battery', 'storage'] }) keywords!: string[];
  @ApiProperty({ type: [String] }) snippets!: string[];
  @ApiProperty({ type: 'integer', example: 7 }) document_count!: number;
  @ApiProperty({ type: 'integer', example: 0 }) cluster_id!: number;
  @ApiProperty({ type: [String] }) student_names!: string[];
  @ApiProperty({ type: 'integer', example: 7 }) student_count!: number;
}

export class ThemeMetadataDto {
  @ApiProperty({ type: 'integer' }) total_students!: number;
  @ApiProperty({ type: 'integer' }) total_themes!: number;
  @ApiProperty({ type: 'integer', nullable: true }) requested_themes!: number | null;
  @ApiProperty({ example: 'kmeans' }) clustering_method!: string;
  includes_llm_polish!: boolean;
  label!: string;
  @ApiProperty({ example: 'use-lite-512' }) embedding_provider!: string;
  @ApiProperty({ type: String, nullable: true }) embedding_fallback!: string | null;
  @ApiProperty({ enum: ['llm', 'keywords', 'mixed'] }) title_source!: string;
}

class RunInfoDto {
  @ApiProperty({
    example: true,
    description: 'Always true: a failed run is a FAILURE, never a result',
  })
  success!: boolean;

  @ApiProperty({ example: '0:00:01.234567', description: "Formatted like Python's str(timedelta)" })
  execution_time!: string;

  @ApiProperty({ format: 'date-time' }) executed_at!: string;

  @ApiProperty({ format: 'uuid' }) task_id!: string;
}

export class GroupAssignmentRunResultDto extends RunInfoDto {
  @ApiProperty({
    enum: ['group_assignment', 'random_grouping'],
    example: 'group_assignment',
    description: 'Which behavior produced it; tells this result from a theme result',
  })
  behavior_type!: 'group_assignment' | 'random_grouping';
  @ApiProperty(groupsSchema) groups!: Record<string, string[]>;
  @ApiProperty(explanationsSchema) explanations!: Record<string, string>;
  @ApiProperty({ type: GroupingMetadataDto }) metadata!: GroupingMetadataDto;
}

export class ThemeCreationRunResultDto extends RunInfoDto {
  @ApiProperty({
    enum: ['theme_creator'],
    example: 'theme_creator',
    description: 'Which behavior produced it; tells this result from a group result',
  })
  behavior_type!: 'theme_creator';
  @ApiProperty({ type: [ThemeDto] }) themes!: ThemeDto[];
  @ApiProperty({ type: ThemeMetadataDto }) metadata!: ThemeMetadataDto;
}

export class SyncGroupAssignmentResponseDto extends GroupAssignmentRunResultDto {
  @ApiProperty({ example: '1' }) behavior_number!: string;
}

export class SyncThemeCreationResponseDto extends ThemeCreationRunResultDto {
  @ApiProperty({ example: '2' }) behavior_number!: string;
}

/** Named unions of the results, discriminated by `behavior_type` (see `registerUnions`). */
export const RUN_RESULT_UNIONS = {
  RunResult: discriminatedUnion(
    'behavior_type',
    {
      group_assignment: GroupAssignmentRunResultDto,
      random_grouping: GroupAssignmentRunResultDto,
      theme_creator: ThemeCreationRunResultDto,
    },
    "A successful run's result",
  ),
  SyncRunResult: discriminatedUnion(
    'behavior_type',
    {
      group_assignment: SyncGroupAssignmentResponseDto,
      random_grouping: SyncGroupAssignmentResponseDto,
      theme_creator: SyncThemeCreationResponseDto,
    },
    "A synchronous run's result, with the behavior number",
  ),
  // OpenAPI 3.0 has no null type: `nullable` widens only the `type` beside it, so a nullable
  // union is written as a oneOf of the union and this schema, which admits null alone.
  NoResult: {
    type: 'object',
    nullable: true,
    enum: [null],
    description: 'null: the task has not succeeded (yet)',
  },
} satisfies Record<string, SchemaObject>;
