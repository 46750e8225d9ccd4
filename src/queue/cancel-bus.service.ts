import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS } from '../redis/redis.module';
import { RedisKeys } from '../redis/redis-keys';

type CancelHandler = (reason: string) => void;

interface CancelMessage {
  task_id: string;
  reason: string;
}

/**
 * Carries cancel requests to whichever process runs a task. BullMQ can only cancel a job from
 * inside the worker that holds it, so every process subscribes, and the one that has a handler
 * registered for the task acts on it.
 */
@Injectable()
export class CancelBus implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(CancelBus.name);
  private readonly handlers = new Map<string, CancelHandler>();
  private subscriber: Redis | null = null;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  onModuleInit(): void {
    // A subscriber connection of its own; it queues commands while offline and resubscribes
    // by itself after a reconnect.
    this.subscriber = this.redis.duplicate({
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
    });
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', (_channel: string, raw: string) => this.onMessage(raw));
    // Not awaited: with Redis down at start the service must still come up (and answer 503);
    // the subscription is sent as soon as the connection is made.
    this.subscriber.subscribe(this.keys.cancelChannel()).catch((err: unknown) => {
      this.logger.warn(
        `Cancel channel not subscribed: ${err instanceof Error ? err.message : String(err)}`,
      );
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.subscriber?.disconnect();
    this.subscriber = null;
    return Promise.resolve();
  }

  /** Registers this process as the runner of a task; call the returned function when done. */
  register(taskId: string, handler: CancelHandler): () => void {
    this.handlers.set(taskId, handler);
    return () => {
      if (this.handlers.get(taskId) === handler) this.handlers.delete(taskId);
    };
  }

  async publish(taskId: string, reason: string): Promise<void> {
    const message: CancelMessage = { task_id: taskId, reason };
    await this.redis.publish(this.keys.cancelChannel(), JSON.stringify(message));
  }

  private onMessage(raw: string): void {
    let message: CancelMessage;
    try {
      message = JSON.parse(raw) as CancelMessage;
    } catch {
      this.logger.warn(`Ignoring a malformed cancel message: ${raw.slice(0, 200)}`);
      return;
    }
    this.handlers.get(message.task_id)?.(message.reason);
  }
}
