import { BehaviorContext } from '../../src/engine/behavior';
import { BehaviorAbortedError } from '../../src/engine/errors';
import { groupAssignment } from '../../src/engine/grouping/group-assignment';
import { ChatClient } from '../../src/engine/llm/chat-client';
import { themeCreator } from '../../src/engine/themes/theme-creator';
import { GroupAssignmentConfig, Submission, ThemeCreatorConfig } from '../../src/engine/types';
import { Embedder, lexicalEmbedder } from '../../src/engine/vectors/embedder';

export interface FakeContextOptions {
  embed?: Embedder;
  llm?: ChatClient | null;
  /** Throw BehaviorAbortedError at this checkpoint call (1-based). */
  abortAtCheckpoint?: number;
}

/** A behavior context made of plain fakes: records progress and the step each checkpoint was in. */
export function fakeContext<C>(
  students: Submission[],
  config: C,
  options: FakeContextOptions = {},
) {
  const progress: { percent: number; status: string }[] = [];
  const checkpointSteps: number[] = [];
  const controller = new AbortController();
  const ctx: BehaviorContext<C> = {
    students,
    config,
    signal: controller.signal,
    checkpoint() {
      checkpointSteps.push(progress.at(-1)?.percent ?? 0);
      // Like the runner thread: once the run is asked to stop, every checkpoint throws.
      if (controller.signal.aborted)
        throw new BehaviorAbortedError(String(controller.signal.reason));
      if (
        options.abortAtCheckpoint !== undefined &&
        checkpointSteps.length >= options.abortAtCheckpoint
      ) {
        controller.abort('cancelled');
        throw new BehaviorAbortedError('cancelled');
      }
    },
    progress(percent, status) {
      progress.push({ percent, status });
    },
    embed: options.embed ?? lexicalEmbedder,
    llm: options.llm ?? null,
  };
  return { ctx, progress, checkpointSteps, controller };
}

export const groupConfig = (c: Partial<GroupAssignmentConfig> = {}): GroupAssignmentConfig => ({
  group_size: 4,
  group_size_mode: 'students_per_group',
  grouping_method: 'mixed',
  include_explanations: true,
  label: 'Group Assignment',
  selected_submission_prompts: [],
  ...c,
});

export const themeConfig = (c: Partial<ThemeCreatorConfig> = {}): ThemeCreatorConfig => ({
  num_themes: null,
  label: 'Theme Creator',
  selected_submission_prompts: [],
  use_llm_polish: true,
  llm_polish_prompt: '',
  ...c,
});

export function runGrouping(
  students: Submission[],
  config: Partial<GroupAssignmentConfig> = {},
  options: FakeContextOptions = {},
) {
  return groupAssignment(fakeContext(students, groupConfig(config), options).ctx);
}

export function runThemes(
  students: Submission[],
  config: Partial<ThemeCreatorConfig> = {},
  options: FakeContextOptions = {},
) {
  return themeCreator(fakeContext(students, themeConfig(config), options).ctx);
}
