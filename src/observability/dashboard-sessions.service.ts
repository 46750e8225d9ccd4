import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { Principal, ROLES } from '../auth/principal';
import { REDIS } from '../redis/redis.module';
import { RedisKeys } from '../redis/redis-keys';

/** The cookie that lets a browser into the queue dashboard; its path keeps it to /admin. */
export const DASHBOARD_COOKIE = 'br_dashboard';
export const DASHBOARD_SESSION_SECONDS = 15 * 60;
/** 32 random bytes, base64url: anything else is not one of ours and never reaches Redis. */
const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Short sessions for the queue dashboard. A browser cannot send a bearer header when it opens a
 * page, so an admin exchanges a token once (POST /admin/session) for an HttpOnly, SameSite=Strict
 * cookie that lasts DASHBOARD_SESSION_SECONDS. Redis keeps only the cookie's SHA-256, so a copy
 * of Redis holds no usable session.
 */
@Injectable()
export class DashboardSessions {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async create(principal: Principal): Promise<string> {
    const value = randomBytes(32).toString('base64url');
    await this.redis.set(
      this.keys.dashboardSession(digest(value)),
      JSON.stringify({ sub: principal.sub, role: principal.role }),
      'EX',
      DASHBOARD_SESSION_SECONDS,
    );
    return value;
  }

  /** The principal of the session named by the request's cookie header, or null. */
  async fromCookieHeader(header: string | undefined): Promise<Principal | null> {
    const value = cookieValue(header, DASHBOARD_COOKIE);
    if (value === null || !COOKIE_VALUE.test(value)) return null;
    const raw = await this.redis.get(this.keys.dashboardSession(digest(value)));
    if (raw === null) return null;
    const stored = JSON.parse(raw) as { sub: string | null; role: string };
    const role = ROLES.find((r) => r === stored.role);
    return role === undefined ? null : { sub: stored.sub, role, name: null };
  }

  async end(header: string | undefined): Promise<void> {
    const value = cookieValue(header, DASHBOARD_COOKIE);
    if (value !== null && COOKIE_VALUE.test(value))
      await this.redis.del(this.keys.dashboardSession(digest(value)));
  }
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function cookieValue(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** The Set-Cookie value for a session (or, with an empty value, for ending one). */
export function sessionCookie(value: string, secure: boolean): string {
  const maxAge = value === '' ? 0 : DASHBOARD_SESSION_SECONDS;
  return (
    `${DASHBOARD_COOKIE}=${value}; Path=/admin; Max-Age=${maxAge}; HttpOnly; SameSite=Strict` +
    (secure ? '; Secure' : '')
  );
}
