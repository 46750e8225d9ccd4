import { ExecutionContext } from '@nestjs/common';
import Redis from 'ioredis';
import { Authentication, Authenticator } from '../../src/auth/authenticator.service';
import { RateLimitGuard } from '../../src/auth/rate-limit';
import { RateLimitedError } from '../../src/common/errors';
import { RedisKeys } from '../../src/redis/redis-keys';

// The guard's decisions from the counts Redis answers; the counting script itself runs against a
// real Redis in test/e2e/access-control.e2e-spec.ts.

type Counts = [number, number, number, number];

function guardWith(answer: () => Promise<Counts>, auth: Authentication) {
  const calls: unknown[][] = [];
  const redis = {
    defineCommand: () => undefined,
    rateLimitHits: (...args: unknown[]) => {
      calls.push(args);
      return answer();
    },
  } as unknown as Redis;
  const authenticator = { authenticate: () => Promise.resolve(auth) } as unknown as Authenticator;
  const guard = new RateLimitGuard(redis, new RedisKeys('t'), authenticator, 3);
  const context = {
    switchToHttp: () => ({ getRequest: () => ({ ip: '10.0.0.7' }) }),
  } as unknown as ExecutionContext;
  return { check: () => guard.canActivate(context), calls };
}

const ana = { principal: { sub: 'ana', role: 'instructor' } } as unknown as Authentication;
const nobody = { reason: 'no token' } as unknown as Authentication;

describe('RateLimitGuard', () => {
  it('counts the address and the subject in one call, under the keys the throttler used', async () => {
    const { check, calls } = guardWith(() => Promise.resolve([1, 60_000, 1, 60_000]), ana);
    await expect(check()).resolves.toBe(true);
    expect(calls).toEqual([['t:rl:ip%3Aip%3A10.0.0.7', 't:rl:subject%3Asub%3Aana', 60_000]]);
  });

  it('counts a request without a verified subject against its address, as its subject', async () => {
    const { check, calls } = guardWith(() => Promise.resolve([1, 60_000, 1, 60_000]), nobody);
    await check();
    expect(calls[0][1]).toBe('t:rl:subject%3Aanon%3A10.0.0.7');
  });

  it('refuses past either limit, naming it, with the seconds left of its window', async () => {
    const subject = guardWith(() => Promise.resolve([2, 59_000, 4, 12_300]), ana);
    const refused = await subject.check().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).message).toBe(
      'Too many requests: at most 3 a minute per subject; retry in 13 s',
    );
    expect((refused as RateLimitedError).retryAfterSeconds).toBe(13);

    const address = guardWith(() => Promise.resolve([4, 400, 4, 12_300]), ana);
    await expect(address.check()).rejects.toThrow('per IP address; retry in 1 s');
    await expect(guardWith(() => Promise.resolve([3, 1, 3, 1]), ana).check()).resolves.toBe(true);
  });

  it('lets requests through while Redis cannot be reached', async () => {
    const down = guardWith(() => Promise.reject(new Error('Connection is closed.')), ana);
    await expect(down.check()).resolves.toBe(true);
  });
});
