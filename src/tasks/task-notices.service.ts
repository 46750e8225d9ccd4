import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS } from '../redis/redis.module';
import { RedisKeys } from '../redis/redis-keys';

type Listener = () => void;

export interface TaskWatch {
  /** Settles once notices for the task reach this process (or after a short wait, regardless). */
  ready: Promise<void>;
  stop(): void;
}

/** How long a new watcher waits for its channel's subscription before reading anyway. */
const SUBSCRIBE_WAIT_MS = 2_000;

/**
 * Tells this process when a task changed, from the notices the task scripts publish on the
 * task's channel, whichever process (API or worker, here or on another machine) made the change.
 * One subscriber connection per process however many watch: a task's channel is subscribed
 * while at least one watcher here wants it. A notice carries no state; watchers re-read it.
 */
@Injectable()
export class TaskNotices implements OnModuleDestroy {
  private readonly logger = new Logger(TaskNotices.name);
  /** Listeners by channel. */
  private readonly listeners = new Map<string, Set<Listener>>();
  /** The pending or settled subscription of each watched channel. */
  private readonly subscriptions = new Map<string, Promise<void>>();
  private subscriber: Redis | null = null;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  watch(taskId: string, listener: Listener): TaskWatch {
    const channel = this.keys.taskEvents(taskId);
    let set = this.listeners.get(channel);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(channel, set);
      this.subscriptions.set(channel, this.subscribe(channel));
    }
    set.add(listener);
    const subscribed = this.subscriptions.get(channel) ?? Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const ready = Promise.race([
      subscribed,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, SUBSCRIBE_WAIT_MS))),
    ]).finally(() => clearTimeout(timer));
    let stopped = false;
    return {
      ready,
      stop: () => {
        if (stopped) return;
        stopped = true;
        this.unwatch(channel, listener);
      },
    };
  }

  onModuleDestroy(): void {
    this.subscriber?.disconnect();
    this.subscriber = null;
    this.listeners.clear();
    this.subscriptions.clear();
  }

  private unwatch(channel: string, listener: Listener): void {
    const set = this.listeners.get(channel);
    if (set === undefined) return;
    set.delete(listener);
    if (set.size > 0) return;
    this.listeners.delete(channel);
    this.subscriptions.delete(channel);
    this.subscriber?.unsubscribe(channel).catch(() => undefined);
  }

  private async subscribe(channel: string): Promise<void> {
    try {
      await this.connection().subscribe(channel);
    } catch (err) {
      // The watcher still hears of changes through its heartbeat re-reads.
      this.logger.warn(
        `Task channel not subscribed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  /** Opened on first use: a worker process, which serves no event stream, never opens it. */
  private connection(): Redis {
    if (this.subscriber !== null) return this.subscriber;
    // Like the cancel bus: it queues commands while offline and resubscribes after a reconnect.
    const subscriber = this.redis.duplicate({
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      connectionName: 'task-notices',
    });
    subscriber.on('error', () => undefined);
    subscriber.on('message', (channel: string) => this.notify(channel));
    let connectedBefore = false;
    subscriber.on('ready', () => {
      // Notices published while the connection was down are lost: every watcher re-reads.
      if (connectedBefore) for (const channel of this.listeners.keys()) this.notify(channel);
      connectedBefore = true;
    });
    this.subscriber = subscriber;
    return subscriber;
  }

  private notify(channel: string): void {
    for (const listener of this.listeners.get(channel) ?? []) listener();
  }
}
