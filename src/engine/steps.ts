// The steps both heavy behaviors take in the same way, with the same progress ranges.
import { BehaviorContext } from './behavior';
import { heartbeatCheckpoint, progressReporter } from './checkpoints';
import { AnalyzedText, analyzeTexts } from './text/analyze';
import { StudentText } from './types';
import { VectorResult } from './vectors/embedder';

/**
 * Step 50 of both heavy behaviors: the answers' texts and their analyses (tokens, lemmas,
 * sentences), reporting 50..53 while reading. Linear in the total text length.
 */
export function readAnswers(
  ctx: BehaviorContext<unknown>,
  students: readonly StudentText[],
  status: string,
): { texts: string[]; analyses: AnalyzedText[] } {
  ctx.progress(50, status);
  const texts = students.map((s) => s.text);
  const analyses = analyzeTexts(
    texts,
    ctx.checkpoint,
    progressReporter(
      (p, s) => ctx.progress(p, s),
      50,
      53,
      (done, total) => `Reading answers (${done} of ${total})...`,
    ),
  );
  return { texts, analyses };
}

/** Steps 53..59: the answers' vectors from the configured provider, progress as batches end. */
export function embedAnswers(
  ctx: BehaviorContext<unknown>,
  texts: string[],
  analyses: AnalyzedText[],
  label: string,
): Promise<VectorResult> {
  return ctx.embed(
    texts,
    analyses,
    ctx.signal,
    ctx.checkpoint,
    progressReporter(
      (p, s) => ctx.progress(p, s),
      53,
      59,
      (done, total) => `${label} (${done} of ${total})...`,
    ),
  );
}

/**
 * Enters a phase that runs from `from` to `to` percent: reports its start, and returns a
 * checkpoint that also keeps progress creeping while the phase works (at most once a second).
 */
export function startPhase(
  ctx: BehaviorContext<unknown>,
  from: number,
  to: number,
  status: string,
): () => void {
  ctx.progress(from, status);
  return heartbeatCheckpoint(ctx.checkpoint, (p, s) => ctx.progress(p, s), from, to, status);
}
