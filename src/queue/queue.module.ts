import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { appConfigOf, TypedConfigService } from '../config/config.module';
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
    // Producers (triggers, cancels, the dashboard) pipeline the commands sent in one tick into one
    // write, as the service's own client does: BullMQ's add was one socket write per trigger.
    // Workers get a plain connection of their own (BehaviorJobProcessor), as @nestjs/bullmq
    // would otherwise hand them this one.
    BullModule.registerQueueAsync(
      ...ALL_QUEUES.map((name) => ({
        name,
        inject: [ConfigService],
        useFactory: (config: TypedConfigService) => {
          const app = appConfigOf(config);
          return {
            connection: {
              ...redisOptionsFromUrl(app.redisUrl, app.redisTlsCa),
              enableAutoPipelining: true,
            },
          };
        },
      })),
    ),
  ],
  providers: [BehaviorQueue, CancelBus],
  exports: [BehaviorQueue, CancelBus, BullModule],
})
export class QueueModule {}
