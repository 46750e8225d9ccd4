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
import { LRUCache } from 'lru-cache';
import { RateLimitedError } from '../common/errors';
import { REDIS } from '../redis/redis.module';
import { RedisKeys } from '../redis/redis-keys';
import { Authenticator } from './authenticator.service';

const WINDOW_MS = 60_000;

/** Addresses this process has seen over their limit, remembered until their window ends. */
const REFUSED_ADDRESSES_MAX = 10_000;

/**
 * A fixed window per key: the first hit starts it, every hit counts. The keys of a request (its
 * address, then its subject) in one call, so a request costs one round trip to Redis whatever it
 * is counted by; a key over the limit (ARGV[2]) ends the call, and the keys after it are not
 * counted, as a refused request is not. Atomic, so several API instances share the counts.
 * Answers the count and the milliseconds left of the window of each key it counted, in order.
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
  if hits > tonumber(ARGV[2]) then break end
end
return out
`;

interface HitsScript {
  rateLimitHits(
    addressKey: string,
    subjectKey: string,
    windowMs: number,
    limit: number,
  ): Promise<[number, number] | [number, number, number, number]>;
}

/** RATE_LIMIT_PER_MINUTE, for the guard. */
const PER_MINUTE = Symbol('RATE_LIMIT_PER_MINUTE');

/**
 * At most RATE_LIMIT_PER_MINUTE requests a minute per IP address and as many per subject (the
 * token's `sub`; a request without a verified one counts against its address there too), both
 * counted in one script. @nestjs/throttler, which this replaced, counted each in its own
 * script, one after the other (docs/benchmarks.md measures the difference). An address over its
 * limit is refused from memory until its window ends: no token is verified and nothing is
 * counted for it, so a flood from one address costs little.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: Redis & HitsScript;
  /** Address -> when its window ends (ms since the epoch). */
  private readonly refused = new LRUCache<string, number>({ max: REFUSED_ADDRESSES_MAX });

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
    const address = req.ip;
    const until = this.refused.get(address);
    if (until !== undefined) {
      if (until > Date.now()) throw this.refusal('IP address', until - Date.now());
      this.refused.delete(address);
    }
    const result = await this.auth.authenticate(req);
    const subject =
      'principal' in result && result.principal.sub !== null
        ? `sub:${result.principal.sub}`
        : `anon:${address}`;
    let counts: number[];
    try {
      // The keys the throttler used, so counts carry over a rolling upgrade.
      counts = await this.redis.rateLimitHits(
        this.keys.rateLimit(`ip:ip:${address}`),
        this.keys.rateLimit(`subject:${subject}`),
        WINDOW_MS,
        this.perMinute,
      );
    } catch (err) {
      // Fail open: with Redis down every other route answers 503 anyway, and health and
      // metrics should still answer.
      this.logger.debug(`Rate limit not counted: ${(err as Error).message}`);
      return true;
    }
    const [addressHits, addressMs, subjectHits, subjectMs] = counts;
    if (addressHits > this.perMinute) {
      this.refused.set(address, Date.now() + addressMs);
      throw this.refusal('IP address', addressMs);
    }
    // A request without a verified subject is counted by its address there: say so.
    if (subjectHits > this.perMinute)
      throw this.refusal(subject.startsWith('sub:') ? 'subject' : 'IP address', subjectMs);
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
