import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { appConfigOf, TypedConfigService } from '../config/config.module';
import Redis from 'ioredis';
import { QUEUE_REDIS } from '../redis/redis.module';
import { RedisKeys } from '../redis/redis-keys';
import { redisOptionsFromUrl } from '../config/redis-url';
import { BehaviorQueue } from './behavior-queue.service';
import { CancelBus } from './cancel-bus.service';
import { ALL_QUEUES } from './jobs';

/** Queue plumbing. Features import it; it imports no feature. */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: TypedConfigService) => {
        const app = appConfigOf(config);
        return {
          connection: redisOptionsFromUrl(app.redisUrl, app.redisTlsCa),
          prefix: new RedisKeys(app.keyPrefix).bullPrefix(),
        };
      },
    }),
    // Producers (triggers, cancels, the dashboard) share one client, QUEUE_REDIS, on which an
    // async trigger also creates its task: it sends the job right behind the creation, and one
    // connection runs them in that order, so no worker can take a job whose task is not there yet
    // (BehaviorsService). Workers get a plain connection of their own (BehaviorJobProcessor), as
    // @nestjs/bullmq would otherwise hand them this one.
    BullModule.registerQueueAsync(
      ...ALL_QUEUES.map((name) => ({
        name,
        inject: [QUEUE_REDIS],
        // No INFO at start-up: BullMQ sends it once and never again, so one lost on a shared
        // client that fails fast would leave the queue unusable until a restart. Workers, on
        // their own connections, still check the server's version.
        useFactory: (redis: Redis) => ({ connection: redis, skipVersionCheck: true }),
      })),
    ),
  ],
  providers: [BehaviorQueue, CancelBus],
  exports: [BehaviorQueue, CancelBus, BullModule],
})
export class QueueModule {}
