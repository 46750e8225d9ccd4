import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { appConfigOf, TypedConfigService } from '../config/config.module';
import { BehaviorFailure } from '../engine/errors';
import { TaskLifecycle } from './task-lifecycle.service';
import { TaskStore } from './task.store';

export const PROCESS_STOPPED = 'The process running it stopped before it finished';

/**
 * Ends synchronous runs whose process died: their lease lapses and nobody else would ever end
 * them (queue jobs are re-run by BullMQ's stalled-job check instead). Runs in every process, so
 * any surviving API or worker frees the behavior's lock within about one lease.
 */
@Injectable()
export class LeaseReaper implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(LeaseReaper.name);
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: TaskStore,
    private readonly lifecycle: TaskLifecycle,
    @Inject(ConfigService) config: TypedConfigService,
  ) {
    // Other processes may use shorter leases than this one: look at least every 2 s.
    this.intervalMs = Math.max(
      250,
      Math.min(2000, Math.floor(appConfigOf(config).taskLeaseMs / 3)),
    );
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.sweep(), this.intervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer !== null) clearInterval(this.timer);
  }

  /** One pass; Redis errors only mean the next pass tries again. */
  async sweep(now = Date.now()): Promise<number> {
    let ended = 0;
    try {
      for (const id of await this.lifecycle.expiredLeases(now, 100)) {
        const record = await this.store.get(id);
        if (record === null || record.lifecycle !== 'running' || record.mode !== 'sync') continue;
        if ((record.lease_until ?? 0) > now) continue;
        const done = await this.lifecycle.fail(
          record,
          new BehaviorFailure('interrupted', PROCESS_STOPPED),
        );
        if (done === 'ok') {
          ended += 1;
          this.logger.warn(`Task ${id}: its process stopped; recorded as failed`);
        }
      }
    } catch {
      // Redis unreachable: try again on the next pass.
    }
    return ended;
  }
}
