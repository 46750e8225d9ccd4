// Why a behavior run ended without a result. The kind travels from the runner thread to the
// HTTP layer, which turns it into a status code; it is kept as a plain string union so it can
// cross postMessage.

export type BehaviorFailureKind =
  | 'input' // the students' answers or the config cannot produce a result (422)
  | 'cancelled' // someone asked for it to stop
  | 'soft_timeout' // the soft limit aborted it and it wound up
  | 'hard_timeout' // the hard limit killed the thread
  | 'crashed' // a bug or an unexpected exception (500)
  | 'interrupted'; // the process running it stopped (shut down, killed, or lost)

export class BehaviorFailure extends Error {
  constructor(
    readonly kind: BehaviorFailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'BehaviorFailure';
  }
}

/** Thrown by behaviors for problems a teacher can fix by changing the input or the config. */
export class BehaviorInputError extends BehaviorFailure {
  constructor(message: string) {
    super('input', message);
  }
}

/** Thrown at a checkpoint after the run's signal was aborted. */
export class BehaviorAbortedError extends Error {
  constructor(readonly reason: string) {
    super(`Behavior aborted: ${reason}`);
    this.name = 'BehaviorAbortedError';
  }
}

export interface SerializedFailure {
  kind: BehaviorFailureKind;
  message: string;
}

/** A checkpoint for code that has only a signal (tests, benchmarks, providers). */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new BehaviorAbortedError(String(signal.reason ?? 'aborted'));
}
