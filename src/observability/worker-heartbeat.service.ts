import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import { appConfigOf, TypedConfigService } from '../config/config.module';
import { REDIS } from '../redis/redis.module';
import { RedisKeys } from '../redis/redis-keys';
import { CurrentTask, WorkerRegistry } from './worker-registry';

/** What GET /api/workers shows of each live process that serves queues. */
export interface WorkerRecord {
  id: string;
  host: string;
  pid: number;
  queues: string[];
  tasks: CurrentTask[];
  started_at: string;
  last_seen: string;
}

/** A record outlives this many missed beats before the process counts as gone. */
const MISSED_BEATS = 3;

/**
 * Starts and ends of tasks within this window share one write: a light task starts and ends
 * within it, and two writes per task would sit on the Redis connection its run uses.
 */
const CHANGE_COALESCE_MS = 100;

/**
 * Each process that serves queues keeps a small record in Redis: who it is, its queues, what it
 * runs now. It is refreshed every WORKER_HEARTBEAT_MS (and within 100 ms when a task starts or ends)
 * with a TTL of three beats, so a process that dies drops out within that; one that stops
 * cleanly removes its record. A worker-only process may also keep WORKER_READY_FILE fresh.
 */
@Injectable()
export class WorkerHeartbeat implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerHeartbeat.name);
  private readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly startedAt = new Date().toISOString();
  private readonly intervalMs: number;
  private readonly readyFile: string | null;
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  private stopping = false;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly registry: WorkerRegistry,
    @Inject(ConfigService) config: TypedConfigService,
  ) {
    const app = appConfigOf(config);
    this.intervalMs = app.workerHeartbeatMs;
    this.readyFile = app.workerReadyFile;
  }

  /** After every module's init: the queue workers exist by now. */
  onApplicationBootstrap(): void {
    if (this.registry.served.length === 0) return;
    this.registry.onChange(() => this.beatSoon());
    this.timer = setInterval(() => void this.beat(), this.intervalMs);
    this.timer.unref();
    void this.beat();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer === null) return;
    this.stopping = true;
    clearInterval(this.timer);
    if (this.soon !== null) clearTimeout(this.soon);
    await this.removeReadyFile();
    await this.redis
      .multi()
      .del(this.keys.worker(this.id))
      .zrem(this.keys.workers(), this.id)
      .exec()
      .catch(() => undefined);
  }

  /** The live processes that serve queues, oldest first; expired records are pruned. */
  async list(now = Date.now()): Promise<WorkerRecord[]> {
    const index = this.keys.workers();
    const ids = await this.redis.zrangebyscore(index, now, '+inf');
    await this.redis.zremrangebyscore(index, '-inf', now - 1);
    if (ids.length === 0) return [];
    const raw = await this.redis.mget(...ids.map((id) => this.keys.worker(id)));
    return raw
      .filter((r): r is string => r !== null)
      .map((r) => JSON.parse(r) as WorkerRecord)
      .sort((a, b) => a.started_at.localeCompare(b.started_at));
  }

  private beatSoon(): void {
    if (this.soon !== null) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      void this.beat();
    }, CHANGE_COALESCE_MS);
    this.soon.unref();
  }

  private async beat(): Promise<void> {
    if (this.stopping) return;
    const ttlMs = this.intervalMs * MISSED_BEATS;
    const record: WorkerRecord = {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      queues: this.registry.served.map((q) => q.queue),
      tasks: this.registry.currentTasks(),
      started_at: this.startedAt,
      last_seen: new Date().toISOString(),
    };
    try {
      await this.redis
        .multi()
        .set(this.keys.worker(this.id), JSON.stringify(record), 'PX', ttlMs)
        .zadd(this.keys.workers(), Date.now() + ttlMs, this.id)
        .exec();
      if (this.registry.stopped().length === 0) await this.touchReadyFile();
      else await this.removeReadyFile();
    } catch (err) {
      // Redis is down: the record lapses, which is what a reader should see; so does readiness.
      await this.removeReadyFile();
      this.logger.debug(`Heartbeat not written: ${(err as Error).message}`);
    }
  }

  private async touchReadyFile(): Promise<void> {
    if (this.readyFile !== null) await writeFile(this.readyFile, `${new Date().toISOString()}\n`);
  }

  private async removeReadyFile(): Promise<void> {
    if (this.readyFile !== null) await rm(this.readyFile, { force: true }).catch(() => undefined);
  }
}
