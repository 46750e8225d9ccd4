// Plain types shared by the behaviors, the runner thread and the HTTP layer. No Nest here:
// this folder must load inside a worker thread and in benchmarks on its own.

/** The behaviors this service ships. Others can be registered at start (see catalog.ts). */
export const BEHAVIOR_TYPES = ['group_assignment', 'theme_creator', 'random_grouping'] as const;
export type BehaviorType = (typeof BEHAVIOR_TYPES)[number];

/** One student's answers as stored for a deployment. `name` is unique (the e-mail). */
export interface Submission {
  name: string;
  text: string;
  /** prompt id -> that prompt's answer */
  responses?: Record<string, string>;
}

/** The text a behavior actually works on, after prompt selection. */
export interface StudentText {
  name: string;
  text: string;
}

export type GroupSizeMode = 'students_per_group' | 'number_of_groups';
export type GroupingMethod = 'homogeneous' | 'diverse' | 'mixed';

export interface GroupAssignmentConfig {
  group_size: number;
  group_size_mode: GroupSizeMode;
  grouping_method: GroupingMethod;
  include_explanations: boolean;
  label: string;
  selected_submission_prompts: string[];
}

export interface ThemeCreatorConfig {
  /** null: choose the number of themes from the data */
  num_themes: number | null;
  label: string;
  selected_submission_prompts: string[];
  use_llm_polish: boolean;
  llm_polish_prompt: string;
}

export interface RandomGroupingConfig {
  group_size: number;
  seed: number;
  label: string;
  selected_submission_prompts: string[];
}

export interface BehaviorConfigs {
  group_assignment: GroupAssignmentConfig;
  theme_creator: ThemeCreatorConfig;
  random_grouping: RandomGroupingConfig;
}

export type AnyBehaviorConfig = BehaviorConfigs[BehaviorType];

export interface GroupingMetadata {
  total_students: number;
  total_groups: number;
  group_size_target: number;
  group_size_mode: GroupSizeMode;
  grouping_method: GroupingMethod | 'random';
  includes_explanations: boolean;
  label: string;
  mean_within_group_similarity: number | null;
  explanation_source: 'llm' | 'answers' | 'mixed' | 'none' | 'shuffle';
  embedding_provider: string | null;
  embedding_fallback: string | null;
}

export interface GroupingResult {
  groups: Record<string, string[]>;
  explanations: Record<string, string>;
  metadata: GroupingMetadata;
}

export interface Theme {
  title: string;
  description: string;
  keywords: string[];
  snippets: string[];
  document_count: number;
  cluster_id: number;
  student_names: string[];
  student_count: number;
}

export interface ThemeMetadata {
  total_students: number;
  total_themes: number;
  requested_themes: number | null;
  clustering_method: string;
  includes_llm_polish: boolean;
  label: string;
  embedding_provider: string;
  embedding_fallback: string | null;
  title_source: 'llm' | 'keywords' | 'mixed';
}

export interface ThemeResult {
  themes: Theme[];
  metadata: ThemeMetadata;
}

export interface BehaviorResults {
  group_assignment: GroupingResult;
  theme_creator: ThemeResult;
  random_grouping: GroupingResult;
}

export type AnyBehaviorResult = BehaviorResults[BehaviorType];

export interface ProgressUpdate {
  progress: number;
  stage: string;
  status: string;
}

/** A JSON object (not an array, not null): the shape a config, a body or an output must have. */
export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
