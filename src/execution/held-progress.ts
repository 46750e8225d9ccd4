import { ProgressUpdate } from '../engine/types';

/**
 * Holds back a run's progress writes for its first moments and keeps only the latest. A light
 * run ends within a few milliseconds: its four or five progress updates would each be a script
 * call (and an event published) queued before its final write, for a state no client could
 * have seen. A run that lasts longer writes its latest progress when the hold ends, then every
 * update as it comes. Nothing is written once the run has ended.
 */
export class HeldProgress {
  private pending: ProgressUpdate | null = null;
  private timer: NodeJS.Timeout | null = null;
  private open = true;

  constructor(
    private readonly write: (update: ProgressUpdate) => void,
    private readonly holdUntil: number,
    private readonly now: () => number = Date.now,
  ) {}

  report(update: ProgressUpdate): void {
    if (!this.open) return;
    const wait = this.holdUntil - this.now();
    if (wait <= 0 && this.timer === null) {
      this.write(update);
      return;
    }
    this.pending = update;
    this.timer ??= setTimeout(() => this.flush(), Math.max(0, wait));
  }

  /** The run has ended: what is still held is dropped (its final state says more). */
  close(): void {
    this.open = false;
    this.pending = null;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private flush(): void {
    this.timer = null;
    const update = this.pending;
    this.pending = null;
    if (update !== null && this.open) this.write(update);
  }
}
