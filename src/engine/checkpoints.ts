/**
 * Waits for `done`, calling `checkpoint` every `everyMs` meanwhile, so a stop request lands
 * within a few milliseconds even while the work runs elsewhere (a helper process, Redis).
 */
export async function awaitWithCheckpoints<T>(
  done: Promise<T>,
  checkpoint: () => void,
  everyMs = 10,
): Promise<T> {
  let finished = false;
  const settled = done.finally(() => (finished = true));
  settled.catch(() => undefined);
  while (!finished) {
    await Promise.race([settled, new Promise((r) => setTimeout(r, everyMs))]);
    checkpoint();
  }
  return settled;
}

/**
 * Progress for a long step, mapped onto [from, to] and sent at most every `everyMs` (each
 * report is a write to the task record), plus always at the end.
 */
export function progressReporter(
  report: (percent: number, status: string) => void,
  from: number,
  to: number,
  status: (done: number, total: number) => string,
  everyMs = 500,
): (done: number, total: number) => void {
  let last = -Infinity;
  return (done, total) => {
    const now = performance.now();
    if (now - last < everyMs && done < total) return;
    last = now;
    const share = total > 0 ? Math.min(1, done / total) : 1;
    report(from + (to - from) * share, status(done, total));
  };
}

/**
 * A checkpoint for a step whose share done is not known in advance (bisection, swaps, k-means):
 * it checks for a stop as usual and, at most every `everyMs`, reports progress that creeps from
 * `from` towards `to` with the time spent (half-way after `halfMs`), so a client sees the run is
 * alive. Costs one clock read per call.
 */
export function heartbeatCheckpoint(
  checkpoint: () => void,
  report: (percent: number, status: string) => void,
  from: number,
  to: number,
  status: string,
  everyMs = 1000,
  halfMs = 10_000,
): () => void {
  const start = performance.now();
  let last = start;
  return () => {
    checkpoint();
    const now = performance.now();
    if (now - last < everyMs) return;
    last = now;
    const elapsed = now - start;
    report(from + ((to - from) * elapsed) / (elapsed + halfMs), status);
  };
}
