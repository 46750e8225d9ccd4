import { ExecutionContext } from '@nestjs/common';
import Redis from 'ioredis';
import { Authentication, Authenticator } from '../../src/auth/authenticator.service';
import { RateLimitGuard } from '../../src/auth/rate-limit';
import { RedisKeys } from '../../src/redis/redis-keys';

// What the guard does when Redis cannot be reached; everything else runs against a real Redis
// in test/e2e/rate-limit.e2e-spec.ts.

describe('RateLimitGuard with Redis out of reach', () => {
  it('lets requests through, uncounted', async () => {
    let tried = 0;
    const redis = {
      defineCommand: () => undefined,
      rateLimitHits: () => {
        tried++;
        return Promise.reject(new Error('Connection is closed.'));
      },
    } as unknown as Redis;
    const who: Authentication = { principal: { sub: 'ana', role: 'instructor', name: null } };
    const auth = { authenticate: () => Promise.resolve(who) } as unknown as Authenticator;
    const guard = new RateLimitGuard(redis, new RedisKeys('t'), auth, 1);
    const context = {
      switchToHttp: () => ({ getRequest: () => ({ ip: '10.0.0.7' }) }),
    } as unknown as ExecutionContext;
    for (let i = 0; i < 3; i++) await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(tried).toBe(3);
  });
});
