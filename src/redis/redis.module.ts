import {
  Global,
  Inject,
  Logger,
  Module,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import Redis from 'ioredis';
import { appConfigOf, TypedConfigService } from '../config/config.module';
import { ConfigService } from '@nestjs/config';
import { RedisKeys } from './redis-keys';
import { redisOptionsFromUrl } from '../config/redis-url';

export const REDIS = Symbol('REDIS');
/**
 * The queues' producer connection (BullMQ's adds, removes, dashboard reads), on which an async
 * trigger also creates its task: one connection runs the creation before the job's add. Apart
 * from the store's because each autopipeline copies every script its client defines, and
 * BullMQ defines some forty: the store's status reads would pay for them.
 */
export const QUEUE_REDIS = Symbol('QUEUE_REDIS');

/**
 * Commands fail at once while Redis is down (no offline queue), so HTTP callers get a 503
 * straight away instead of hanging; the client keeps reconnecting in the background. Commands
 * sent in the same tick (many requests in flight at once) go out in one socket write: a write
 * per command was the largest single cost of a trigger under load (docs/benchmarks.md).
 */
export function createRedisClient(url: string, name: string, tlsCa: string | null = null): Redis {
  const client = new Redis({
    ...redisOptionsFromUrl(url, tlsCa),
    connectionName: name,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  });
  // Connection errors surface on the commands that fail; without a listener ioredis would
  // also print every reconnect attempt as an unhandled error.
  client.on('error', () => undefined);
  return client;
}

export function isRedisUnavailable(err: unknown, client: Redis): boolean {
  if (client.status !== 'ready') return true;
  if (!(err instanceof Error)) return false;
  return /ECONNREFUSED|ECONNRESET|Connection is closed|Stream isn't writeable|MaxRetriesPerRequest|ETIMEDOUT/i.test(
    `${err.name} ${err.message}`,
  );
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [ConfigService],
      useFactory: (config: TypedConfigService) => {
        const app = appConfigOf(config);
        return createRedisClient(app.redisUrl, 'store', app.redisTlsCa);
      },
    },
    {
      provide: QUEUE_REDIS,
      inject: [ConfigService],
      useFactory: (config: TypedConfigService) => {
        const app = appConfigOf(config);
        return createRedisClient(app.redisUrl, 'queue-producer', app.redisTlsCa);
      },
    },
    {
      provide: RedisKeys,
      inject: [ConfigService],
      useFactory: (config: TypedConfigService) => new RedisKeys(appConfigOf(config).keyPrefix),
    },
  ],
  exports: [REDIS, QUEUE_REDIS, RedisKeys],
})
export class RedisModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Redis');

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(QUEUE_REDIS) private readonly producer: Redis,
  ) {}

  /** Starts serving even if Redis is late: requests get 503 until it answers. */
  async onModuleInit(): Promise<void> {
    if (this.redis.status === 'ready') return;
    const ready = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5000);
      this.redis.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!(await ready))
      this.logger.warn('Redis is not reachable yet; requests will get 503 until it is');
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.redis, this.producer].map((c) => c.quit().catch(() => c.disconnect())));
  }
}
