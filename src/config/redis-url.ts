import { isIPv4, isIPv6 } from 'node:net';
import { RedisOptions } from 'ioredis';

/** What a REDIS_URL says, once read: the parts ioredis needs. */
export interface RedisEndpoint {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  tls: boolean;
}

export type RedisUrlReading =
  { ok: true; endpoint: RedisEndpoint } | { ok: false; problem: string };

const SHAPE = 'redis://[user:password@]host[:port][/db], or rediss://... for TLS';
const ENCODE_HINT =
  'URL-encode special characters in the user name or password (@ as %40, / as %2F)';

/**
 * scheme://[userinfo@]host[:port][/path][?query][#fragment]; userinfo runs to the last @ before
 * the first / ? or #, as in WHATWG URLs (so an unencoded @ in a password still reads).
 */
const URL_PARTS =
  /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(?:([^/?#]*)@)?(\[[^\]/?#]*\]|[^/?#:@]*)(?::([^/?#]*))?(\/[^?#]*)?(\?[^#]*)?(#.*)?$/;

/**
 * The URL with its password replaced by ***, for messages and logs. Works on any text, valid URL
 * or not: everything between the scheme and the last @ is treated as user:password.
 */
export function maskRedisUrl(url: string): string {
  const at = url.lastIndexOf('@');
  if (at < 0) return url;
  const schemeEnd = url.indexOf('://');
  const start = schemeEnd >= 0 && schemeEnd < at ? schemeEnd + 3 : 0;
  const userinfo = url.slice(start, at);
  const colon = userinfo.indexOf(':');
  const masked = colon >= 0 ? `${userinfo.slice(0, colon)}:***` : '***';
  return `${url.slice(0, start)}${masked}${url.slice(at)}`;
}

function decode(part: string | undefined): string | undefined | null {
  if (part === undefined || part === '') return undefined;
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

/**
 * Reads a REDIS_URL the way ioredis does (redis:// or rediss://, URL-encoded user and password,
 * /db), refusing what ioredis would misread or silently ignore. A problem never quotes the URL's
 * parts, so it cannot leak a password; callers show the URL through maskRedisUrl.
 */
export function readRedisUrl(url: string): RedisUrlReading {
  const fail = (problem: string): RedisUrlReading => ({ ok: false, problem });
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1].toLowerCase();
  if (scheme !== undefined && scheme !== 'redis' && scheme !== 'rediss' && url.includes('://')) {
    return fail(`must start with redis:// or rediss:// (TLS), not ${scheme}://`);
  }
  const parts = URL_PARTS.exec(url);
  if (parts === null || (scheme !== 'redis' && scheme !== 'rediss')) {
    return fail(url.includes('@') ? `cannot be read: ${ENCODE_HINT}` : `must look like ${SHAPE}`);
  }
  const [, , userinfo, rawHost, rawPort, path, query, fragment] = parts;
  const afterUserinfo = `${rawHost}${rawPort ?? ''}${path ?? ''}`;
  if (afterUserinfo.includes('@')) return fail(`cannot be read: ${ENCODE_HINT}`);
  if (query !== undefined || fragment !== undefined) {
    return fail(`must not have a ?query or #fragment: the form is ${SHAPE}`);
  }

  let host = rawHost;
  if (host.startsWith('[')) {
    host = host.slice(1, -1);
    if (!isIPv6(host)) return fail('has a bracketed host that is not an IPv6 address');
  } else if (host === '') {
    return fail(`needs a host: the form is ${SHAPE}`);
  } else if (!isIPv4(host) && !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?$/.test(host)) {
    return fail('has a host that is neither an IP address nor a host name');
  }

  let port = 6379;
  if (rawPort !== undefined) {
    port = /^\d{1,5}$/.test(rawPort) ? Number(rawPort) : NaN;
    if (!(port >= 1 && port <= 65535)) {
      return fail('has a bad port: the port must be a whole number from 1 to 65535');
    }
  }

  let db = 0;
  if (path !== undefined && path !== '/') {
    if (!/^\/\d{1,9}$/.test(path)) {
      return fail('has a bad database: after the host comes a whole number, as in /0 or /3');
    }
    db = Number(path.slice(1));
  }

  let username: string | undefined;
  let password: string | undefined;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const user = decode(colon < 0 ? userinfo : userinfo.slice(0, colon));
    const pass = colon < 0 ? undefined : decode(userinfo.slice(colon + 1));
    if (user === null || pass === null) {
      return fail('has a user name or password with a bad %-escape: write a % itself as %25');
    }
    [username, password] = [user, pass];
  }
  return {
    ok: true,
    endpoint: { host, port, username, password, db, tls: scheme === 'rediss' },
  };
}

/**
 * Connection options from a redis:// or rediss:// URL, for clients that take options only.
 * `tlsCa` (PEM) is the certificate authority that signed a rediss:// server's certificate, when
 * it is not one Node trusts already.
 */
export function redisOptionsFromUrl(url: string, tlsCa?: string | null): RedisOptions {
  const reading = readRedisUrl(url);
  if (!reading.ok) throw new Error(`REDIS_URL="${maskRedisUrl(url)}": ${reading.problem}`);
  const { host, port, username, password, db, tls } = reading.endpoint;
  return {
    host,
    port,
    username,
    password,
    db,
    tls: tls ? (tlsCa ? { ca: tlsCa } : {}) : undefined,
  };
}
