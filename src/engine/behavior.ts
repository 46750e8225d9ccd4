import { BehaviorConfigs, BehaviorResults, BehaviorType, Submission } from './types';
import { ChatClient } from './llm/chat-client';
import { Embedder } from './vectors/embedder';

/**
 * What a behavior is given: its input, its config, a way to report progress and a signal.
 * Nothing from Nest, so the same function runs in a worker thread, a test or a benchmark.
 */
export interface BehaviorContext<C> {
  students: readonly Submission[];
  config: C;
  /** Aborted on cancel or at the soft time limit; its reason says which. */
  signal: AbortSignal;
  /**
   * Throws BehaviorAbortedError once the run has been asked to stop. Cheap enough to call in
   * inner loops; it also sees a stop request while the thread is busy and cannot take messages.
   */
  checkpoint(): void;
  /** Reports the behavior's own progress step (40..85). */
  progress(percent: number, status: string): void;
  /** Text vectors from the configured provider, with its cache and fallback. */
  embed: Embedder;
  /** The configured chat model, or null: behaviors then use their own deterministic text. */
  llm: ChatClient | null;
}

export type BehaviorFn<T extends BehaviorType> = (
  ctx: BehaviorContext<BehaviorConfigs[T]>,
) => Promise<BehaviorResults[T]>;
