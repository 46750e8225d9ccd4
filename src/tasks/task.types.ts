import { BehaviorFailureKind } from '../engine/errors';

/** Our own lifecycle; the API's PENDING/PROGRESS/SUCCESS/FAILURE is derived from it in one place. */
export type TaskLifecycle = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const TERMINAL: readonly TaskLifecycle[] = ['succeeded', 'failed', 'cancelled'];

export type TaskStage =
  'pending' | 'initialization' | 'execution' | 'saving' | 'completed' | 'failed' | 'cancelled';
export const TASK_STAGES: readonly TaskStage[] = [
  'pending',
  'initialization',
  'execution',
  'saving',
  'completed',
  'failed',
  'cancelled',
];

export type ExecutionMode = 'async' | 'sync';

export interface TaskRecord {
  id: string;
  deployment_id: string;
  behavior_number: string;
  behavior_type: string;
  mode: ExecutionMode;
  lifecycle: TaskLifecycle;
  stage: TaskStage;
  progress: number;
  status: string;
  /** JSON text of the behavior result on success. */
  result: string | null;
  error: string | null;
  error_kind: BehaviorFailureKind | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  cancel_reason: string | null;
  input_student_count: number | null;
  /** Starts so far (a re-run after a lost worker is attempt 2). */
  attempt: number;
  /** While running: the runner's lease, renewed while it works (ms since the epoch). */
  lease_until: number | null;
}

/** One line of a deployment's execution history, written when a run ends, whatever its end. */
export interface HistoryEntry {
  execution_id: string;
  task_id: string;
  behavior_number: string;
  behavior_type: string;
  started_at: string | null;
  finished_at: string;
  success: boolean;
  outcome: 'succeeded' | 'failed' | 'cancelled';
  execution_time_seconds: number | null;
  input_student_count: number | null;
  output_groups_created: number | null;
  output_themes_created: number | null;
  error_message: string | null;
}

/** An output saved for later pages: `group_{n}` holds `{"Group1": [names]}`, `theme_{n}` the themes. */
export interface StoredVariable {
  name: string;
  value: unknown;
  task_id: string;
  updated_at: string;
}
