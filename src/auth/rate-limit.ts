import {
  CanActivate,
  DynamicModule,
  ExecutionContext,
  Inject,
  Injectable,
  Logger,
  Module,
} from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import Redis from 'ioredis';
import { RateLimitedError } from '../common/errors';
import { REDIS } from '../redis/redis.module';
import { RedisKeys } from '../redis/redis-keys';
import { Authenticator } from './authenticator.service';

const WINDOW_MS = 60_000;

/**
 * A fixed window per key: the first hit starts it, every hit counts. Every key of a request (its
 * address, its subject) in one call, so a request costs one round trip to Redis whatever it is
 * counted by. Atomic, so several API instances share the counts. Answers each key's count and the
 * milliseconds left of its window, in the order of KEYS.
 */
const HITS = `
local out = {}
for _, key in ipairs(KEYS) do
  local hits = redis.call('INCR', key)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    redis.call('PEXPIRE', key, ARGV[1])
    ttl = tonumber(ARGV[1])
  end
  out[#out + 1] = hits
  out[#out + 1] = ttl
end
return out
`;

interface HitsScript {
  rateLimitHits(
    addressKey: string,
    subjectKey: string,
    windowMs: number,
  ): Promise<[number, number, number, number]>;
}

/** RATE_LIMIT_PER_MINUTE, for the guard. */
const PER_MINUTE = Symbol('RATE_LIMIT_PER_MINUTE');

/**
 * At most RATE_LIMIT_PER_MINUTE requests a minute per IP address and as many per subject (the
 * token's `sub`; a request without a verified one counts against its address there too). Both
 * are counted on every request, in one script. @nestjs/throttler, which this replaced, counted
 * each in its own round trip, one after the other: a third of a status read's throughput.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: Redis & HitsScript;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly keys: RedisKeys,
    private readonly auth: Authenticator,
    @Inject(PER_MINUTE) private readonly perMinute: number,
  ) {
    if (!('rateLimitHits' in redis))
      redis.defineCommand('rateLimitHits', { numberOfKeys: 2, lua: HITS });
    this.redis = redis as Redis & HitsScript;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const result = await this.auth.authenticate(req);
    const subject =
      'principal' in result && result.principal.sub !== null
        ? `sub:${result.principal.sub}`
        : `anon:${req.ip}`;
    let counts: [number, number, number, number];
    try {
      // The keys the throttler used, so counts carry over a rolling upgrade.
      counts = await this.redis.rateLimitHits(
        this.keys.rateLimit(`ip:ip:${req.ip}`),
        this.keys.rateLimit(`subject:${subject}`),
        WINDOW_MS,
      );
    } catch (err) {
      // Fail open: with Redis down every other route answers 503 anyway, and health and
      // metrics should still answer.
      this.logger.debug(`Rate limit not counted: ${(err as Error).message}`);
      return true;
    }
    const [addressHits, addressMs, subjectHits, subjectMs] = counts;
    if (addressHits > this.perMinute) throw this.refusal('IP address', addressMs);
    if (subjectHits > this.perMinute) throw this.refusal('subject', subjectMs);
    return true;
  }

  /** 429 in the service's error shape, with a plain Retry-After. */
  private refusal(per: string, leftMs: number): RateLimitedError {
    const seconds = Math.max(1, Math.ceil(leftMs / 1000));
    return new RateLimitedError(
      `Too many requests: at most ${this.perMinute} a minute per ${per}; retry in ${seconds} s`,
      seconds,
    );
  }
}

/** Limits per IP address and per subject (RATE_LIMIT_PER_MINUTE each). */
@Module({})
export class RateLimitModule {
  static forRoot(perMinute: number): DynamicModule {
    return {
      module: RateLimitModule,
      providers: [{ provide: PER_MINUTE, useValue: perMinute }, RateLimitGuard],
      exports: [RateLimitGuard],
    };
  }
}
