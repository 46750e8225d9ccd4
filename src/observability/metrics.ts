import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** How a task ended, as the task record says (`succeeded`, `failed`, `cancelled`). */
export type FinalState = 'succeeded' | 'failed' | 'cancelled';

/** Seconds: light behaviors take milliseconds, heavy ones minutes (hard limit 600 s). */
const RUN_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/**
 * This process's Prometheus series. Each process counts what it did itself (the tasks it ended,
 * the requests it answered), so a sum over processes counts every event once. The registry is
 * the process's own, not prom-client's global one, so two apps in one test process stay apart.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  private readonly tasks = new Counter({
    name: 'behavior_tasks_total',
    help: 'Tasks that reached a final state, by behavior type and state',
    labelNames: ['behavior', 'state'] as const,
    registers: [this.registry],
  });
  private readonly runSeconds = new Histogram({
    name: 'behavior_task_run_seconds',
    help: 'Time from a task starting to its final state, by behavior type and state',
    labelNames: ['behavior', 'state'] as const,
    buckets: RUN_BUCKETS,
    registers: [this.registry],
  });
  private readonly waitSeconds = new Histogram({
    name: 'behavior_task_queue_wait_seconds',
    help: 'Time from a task being triggered to a runner starting it, by behavior type',
    labelNames: ['behavior'] as const,
    buckets: WAIT_BUCKETS,
    registers: [this.registry],
  });
  private readonly cancels = new Counter({
    name: 'behavior_task_cancels_total',
    help: 'Tasks that ended cancelled, by behavior type',
    labelNames: ['behavior'] as const,
    registers: [this.registry],
  });
  private readonly timeLimitKills = new Counter({
    name: 'behavior_task_time_limit_kills_total',
    help: 'Tasks stopped by a time limit, by behavior type and limit (soft: asked to stop; hard: thread killed)',
    labelNames: ['behavior', 'limit'] as const,
    registers: [this.registry],
  });
  private readonly cacheHits = new Counter({
    name: 'behavior_embedding_cache_hits_total',
    help: 'Answers whose vector was found in the embedding cache',
    registers: [this.registry],
  });
  private readonly cacheMisses = new Counter({
    name: 'behavior_embedding_cache_misses_total',
    help: 'Answers whose vector was not in the embedding cache and had to be computed',
    registers: [this.registry],
  });
  /** Set at each scrape from the queues themselves (shared by every process). */
  readonly queueDepth = new Gauge({
    name: 'behavior_queue_jobs',
    help: 'Jobs in each queue by state (waiting, active, delayed, prioritized, paused), read at scrape time',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });
  private readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly httpSeconds = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** A runner started the task `waitedMs` after it was triggered. */
  taskStarted(behavior: string, waitedMs: number): void {
    this.waitSeconds.observe({ behavior }, Math.max(0, waitedMs) / 1000);
  }

  /**
   * This process wrote the task's final state (only the one write that wins counts, so a task
   * is counted once however many processes raced to end it). `ranMs` is null for a task that
   * never started (cancelled while queued).
   */
  taskEnded(
    behavior: string,
    state: FinalState,
    ranMs: number | null,
    failureKind: string | null,
  ): void {
    this.tasks.inc({ behavior, state });
    if (ranMs !== null) this.runSeconds.observe({ behavior, state }, Math.max(0, ranMs) / 1000);
    if (state === 'cancelled') this.cancels.inc({ behavior });
    if (failureKind === 'soft_timeout') this.timeLimitKills.inc({ behavior, limit: 'soft' });
    if (failureKind === 'hard_timeout') this.timeLimitKills.inc({ behavior, limit: 'hard' });
  }

  embeddingCacheLookups(hits: number, misses: number): void {
    if (hits > 0) this.cacheHits.inc(hits);
    if (misses > 0) this.cacheMisses.inc(misses);
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
    this.httpSeconds.observe({ method, route }, seconds);
  }
}

const DEPTH_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'paused'] as const;
const DEPTH_TIMEOUT_MS = 1000;

/**
 * Sets the queue-depth gauge from the queues themselves (shared by every process, so read at
 * each scrape). A queue that does not answer within a second (Redis down) shows no depth rather
 * than a stale one, and the scrape still answers.
 */
export async function readQueueDepths(metrics: Metrics, queues: readonly Queue[]): Promise<void> {
  const gauge = metrics.queueDepth;
  await Promise.all(
    queues.map(async (queue) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), DEPTH_TIMEOUT_MS);
      });
      try {
        const counts = await Promise.race([queue.getJobCounts(...DEPTH_STATES), timeout]);
        for (const state of DEPTH_STATES)
          gauge.set({ queue: queue.name, state }, counts[state] ?? 0);
      } catch {
        for (const state of DEPTH_STATES) gauge.remove({ queue: queue.name, state });
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}
