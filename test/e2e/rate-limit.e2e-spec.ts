import { randomUUID } from 'node:crypto';
import { ExecutionContext } from '@nestjs/common';
import Redis from 'ioredis';
import { Authentication, Authenticator } from '../../src/auth/authenticator.service';
import { Principal } from '../../src/auth/principal';
import { RateLimitGuard } from '../../src/auth/rate-limit';
import { RateLimitedError, UnauthorizedError } from '../../src/common/errors';
import { RedisKeys } from '../../src/redis/redis-keys';
import { testRedisUrl } from '../support/app';

// The rate-limit guard and its counting script against a real Redis, with requests from any
// address the test chooses (over HTTP every test request comes from 127.0.0.1). Limit: 3.

const LIMIT = 3;

describe('RateLimitGuard (real Redis)', () => {
  let redis: Redis;
  let keys: RedisKeys;
  let guard: RateLimitGuard;
  let verified: number;

  beforeAll(() => {
    redis = new Redis(testRedisUrl());
  });
  afterAll(async () => {
    await redis.quit();
  });
  beforeEach(() => {
    keys = new RedisKeys(`rl-${randomUUID().slice(0, 8)}`);
    verified = 0;
    const auth = {
      authenticate: (req: { who: Authentication }) => {
        verified++;
        return Promise.resolve(req.who);
      },
    } as unknown as Authenticator;
    guard = new RateLimitGuard(redis, keys, auth, LIMIT);
  });

  const as = (sub: string | null): Authentication => ({
    principal: { sub, role: 'instructor', name: null } satisfies Principal,
  });
  const anonymous: Authentication = { error: new UnauthorizedError('no token', false) };
  /** One request from `ip` by `who`: true, or the refusal's message. */
  const request = (ip: string, who: Authentication): Promise<true | string> => {
    const context = {
      switchToHttp: () => ({ getRequest: () => ({ ip, who }) }),
    } as unknown as ExecutionContext;
    return guard.canActivate(context).then(
      () => true,
      (err: unknown) => {
        if (!(err instanceof RateLimitedError)) throw err;
        return err.message;
      },
    );
  };
  // The keys @nestjs/throttler used, so that counts carried over the change.
  const addressKey = (ip: string) => keys.rateLimit(`ip:ip:${ip}`);
  const subjectKey = (tracker: string) => keys.rateLimit(`subject:${tracker}`);
  const count = async (key: string) => Number((await redis.get(key)) ?? 0);

  it('counts the address and the subject, each in a window of a minute', async () => {
    expect(await request('10.0.0.1', as('ana'))).toBe(true);
    expect(await count(addressKey('10.0.0.1'))).toBe(1);
    expect(await count(subjectKey('sub:ana'))).toBe(1);
    for (const key of [addressKey('10.0.0.1'), subjectKey('sub:ana')]) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
  });

  it('refuses a subject past its limit from any address, naming the subject', async () => {
    for (let i = 1; i <= LIMIT; i++) expect(await request(`10.0.1.${i}`, as('ana'))).toBe(true);
    expect(await request('10.0.1.9', as('ana'))).toMatch(
      /^Too many requests: at most 3 a minute per subject; retry in (59|60) s$/,
    );
    // Another subject is not affected.
    expect(await request('10.0.1.9', as('bo'))).toBe(true);
  });

  it('refuses an address past its limit without counting its subject, then from memory', async () => {
    for (let i = 0; i < LIMIT; i++) expect(await request('10.0.2.1', as(`s${i}`))).toBe(true);
    expect(await request('10.0.2.1', as('ana'))).toMatch(/per IP address; retry in (59|60) s$/);
    // Refused by its address: Ana's own count did not move.
    expect(await count(subjectKey('sub:ana'))).toBe(0);
    // Later requests from that address: no token verified, nothing counted, still refused.
    const [verifiedBefore, countedBefore] = [verified, await count(addressKey('10.0.2.1'))];
    expect(await request('10.0.2.1', as('bo'))).toMatch(/per IP address/);
    expect(verified).toBe(verifiedBefore);
    expect(await count(addressKey('10.0.2.1'))).toBe(countedBefore);
    expect(await count(subjectKey('sub:bo'))).toBe(0);
    // Another address is not affected.
    expect(await request('10.0.2.2', as('bo'))).toBe(true);
  });

  it('counts a request without a verified subject against its address, in both counts', async () => {
    expect(await request('10.0.3.1', anonymous)).toBe(true);
    expect(await request('10.0.3.1', as(null))).toBe(true); // the development admin
    expect(await count(subjectKey('anon:10.0.3.1'))).toBe(2);
    // Its subject count over the limit (with the address under it) is worded by address too.
    await redis.set(subjectKey('anon:10.0.3.2'), String(LIMIT), 'PX', 30_000);
    expect(await request('10.0.3.2', anonymous)).toMatch(
      /^Too many requests: at most 3 a minute per IP address; retry in (29|30) s$/,
    );
  });

  it('starts a new window once the last one has ended', async () => {
    await redis.set(subjectKey('sub:ana'), '99', 'PX', 50);
    expect(await request('10.0.4.1', as('ana'))).toMatch(/per subject/);
    await new Promise((r) => setTimeout(r, 100));
    expect(await request('10.0.4.1', as('ana'))).toBe(true);
    expect(await count(subjectKey('sub:ana'))).toBe(1);
    // An address refused from memory is let in again once its window has ended.
    await redis.set(addressKey('10.0.4.2'), '99', 'PX', 50);
    expect(await request('10.0.4.2', as('bo'))).toMatch(/per IP address/);
    expect(await request('10.0.4.2', as('bo'))).toMatch(/per IP address/);
    await new Promise((r) => setTimeout(r, 100));
    expect(await request('10.0.4.2', as('bo'))).toBe(true);
  });
});
