import { DynamicModule, ExecutionContext, Injectable, Logger, Module } from '@nestjs/common';
import {
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerModule,
  ThrottlerStorage,
} from '@nestjs/throttler';
import { FastifyRequest } from 'fastify';
import Redis from 'ioredis';
import { RateLimitedError } from '../common/errors';
import { REDIS } from '../redis/redis.module';
import { RedisKeys } from '../redis/redis-keys';
import { Authenticator } from './authenticator.service';

/**
 * One fixed window per key: the first hit starts it, every hit counts, the answer is the count
 * and the milliseconds left. Atomic, so several API instances share one count.
 */
const HIT = `
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {hits, ttl}
`;

type StorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** Throttler counts in the service's Redis, under its key prefix. */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async increment(key: string, ttl: number, limit: number): Promise<StorageRecord> {
    let hits = 0;
    let leftMs = ttl;
    try {
      [hits, leftMs] = (await this.redis.eval(HIT, 1, this.keys.rateLimit(key), ttl)) as [
        number,
        number,
      ];
    } catch (err) {
      // Fail open: with Redis down every other route answers 503 anyway, and health and
      // metrics should still answer.
      this.logger.debug(`Rate limit not counted: ${(err as Error).message}`);
    }
    const seconds = Math.max(1, Math.ceil(leftMs / 1000));
    const isBlocked = hits > limit;
    return {
      totalHits: hits,
      timeToExpire: seconds,
      isBlocked,
      timeToBlockExpire: isBlocked ? seconds : 0,
    };
  }
}

/** The throttler's guard, answering in the service's error shape with a plain Retry-After. */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const per = detail.tracker.startsWith('sub:') ? 'subject' : 'IP address';
    throw new RateLimitedError(
      `Too many requests: at most ${detail.limit} a minute per ${per}; retry in ${detail.timeToBlockExpire} s`,
      detail.timeToBlockExpire,
    );
  }
}

const requestOf = (ctx: ExecutionContext) => ctx.switchToHttp().getRequest<FastifyRequest>();

/** Limits per IP address and per subject (RATE_LIMIT_PER_MINUTE each). */
@Module({})
export class RateLimitModule {
  static forRoot(perMinute: number): DynamicModule {
    return {
      module: RateLimitModule,
      imports: [
        ThrottlerModule.forRootAsync({
          inject: [REDIS, RedisKeys, Authenticator],
          useFactory: (redis: Redis, keys: RedisKeys, auth: Authenticator) => ({
            storage: new RedisThrottlerStorage(redis, keys),
            // Retry-After comes with the error; the guard's own headers would be suffixed.
            setHeaders: false,
            generateKey: (_ctx: ExecutionContext, tracker: string, name: string) =>
              `${name}:${tracker}`,
            throttlers: [
              {
                name: 'ip',
                ttl: 60_000,
                limit: perMinute,
                getTracker: (_req: unknown, ctx: ExecutionContext) => `ip:${requestOf(ctx).ip}`,
              },
              {
                name: 'subject',
                ttl: 60_000,
                limit: perMinute,
                // A request without a verified subject counts against its address here too.
                getTracker: async (_req: unknown, ctx: ExecutionContext) => {
                  const req = requestOf(ctx);
                  const result = await auth.authenticate(req);
                  return 'principal' in result && result.principal.sub !== null
                    ? `sub:${result.principal.sub}`
                    : `anon:${req.ip}`;
                },
              },
            ],
          }),
        }),
      ],
      providers: [RateLimitGuard],
      exports: [RateLimitGuard],
    };
  }
}
