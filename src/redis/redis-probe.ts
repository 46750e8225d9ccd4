import { createConnection, isIP, Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import Redis from 'ioredis';
import { readRedisUrl, redisOptionsFromUrl } from '../config/redis-url';

export type RedisProbe =
  /** Answered PING like Redis: +PONG, or a Redis error such as -NOAUTH (a password is needed). */
  | { kind: 'redis' }
  /** Nothing listens, or the host is unknown: the service starts and waits for Redis. */
  | { kind: 'unreachable'; reason: string }
  /** Something listens but does not speak Redis (an HTTP server, say). */
  | { kind: 'not-redis'; detail: string }
  /** rediss://: the TLS handshake failed (plain server, unknown CA, wrong name). */
  | { kind: 'tls-failed'; reason: string };

export interface RedisTarget {
  host: string;
  port: number;
  tls?: boolean;
  /** PEM of the CA that signed the server's certificate (REDIS_TLS_CA). */
  tlsCa?: string | null;
}

/** A reply's first line, printable and short enough to quote in a message. */
function quoteReply(data: Buffer): string {
  const line = data.toString('latin1').split(/\r?\n/)[0];
  const printable = line.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(printable.length > 60 ? `${printable.slice(0, 60)}...` : printable);
}

/**
 * Sends one PING to host:port and judges the answer. Redis answers +PONG, or an error line
 * (-NOAUTH when it wants a password, -LOADING while it starts): both mean Redis is there. A
 * server that answers anything else, closes the connection, or stays silent past the timeout is
 * not Redis.
 */
export function probeRedis(target: RedisTarget, timeoutMs = 2000): Promise<RedisProbe> {
  return new Promise((resolve) => {
    let connected = false;
    let secured = !target.tls;
    let reply = Buffer.alloc(0);
    let socket: Socket;
    let done = false;
    const finish = (result: RedisProbe) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const ping = () => {
      secured = true;
      socket.write('PING\r\n');
    };
    if (target.tls) {
      socket = tlsConnect(
        {
          host: target.host,
          port: target.port,
          ca: target.tlsCa ?? undefined,
          servername: isIP(target.host) ? undefined : target.host,
        },
        ping,
      );
      socket.once('connect', () => (connected = true));
    } else {
      socket = createConnection({ host: target.host, port: target.port }, () => {
        connected = true;
        ping();
      });
    }
    const timer = setTimeout(() => {
      if (!connected) finish({ kind: 'unreachable', reason: 'connection timed out' });
      else if (!secured) finish({ kind: 'tls-failed', reason: 'no TLS handshake in time' });
      else finish({ kind: 'not-redis', detail: `no answer to PING within ${timeoutMs} ms` });
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      reply = Buffer.concat([reply, chunk]);
      if (!reply.includes('\n') && reply.length < 256) return;
      const text = reply.toString('latin1');
      if (text.startsWith('+PONG') || /^-[A-Z]+[ \r]/.test(text)) finish({ kind: 'redis' });
      else finish({ kind: 'not-redis', detail: `it answered PING with ${quoteReply(reply)}` });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const reason = err.code ?? err.message;
      if (!connected) finish({ kind: 'unreachable', reason });
      else if (!secured) finish({ kind: 'tls-failed', reason: err.message });
      else finish({ kind: 'not-redis', detail: `the connection failed after PING (${reason})` });
    });
    socket.once('close', () => {
      if (!connected) finish({ kind: 'unreachable', reason: 'connection closed' });
      else if (!secured) finish({ kind: 'tls-failed', reason: 'the server closed the connection' });
      else finish({ kind: 'not-redis', detail: 'it closed the connection without answering PING' });
    });
  });
}

function hostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The one line to stop start-up with when REDIS_URL points at something that is not Redis, or a
 * rediss:// server whose TLS fails; null when Redis answers or nothing answers yet (the service
 * then starts and waits for it, answering 503 meanwhile).
 */
export async function redisStartupProblem(
  redisUrl: string,
  tlsCa: string | null = null,
  timeoutMs = 2000,
): Promise<string | null> {
  const reading = readRedisUrl(redisUrl);
  if (!reading.ok) return `REDIS_URL ${reading.problem}`;
  const { host, port, tls } = reading.endpoint;
  const probe = await probeRedis({ host, port, tls, tlsCa }, timeoutMs);
  const at = hostPort(host, port);
  switch (probe.kind) {
    case 'redis':
    case 'unreachable':
      return null;
    case 'not-redis':
      return `Something other than Redis answers at ${at} (${probe.detail}): check REDIS_URL, or stop the program that holds that port`;
    case 'tls-failed':
      return `TLS with Redis at ${at} failed (${probe.reason}): check that the server speaks TLS, or use redis://, and that REDIS_TLS_CA names the CA that signed its certificate`;
  }
}

/** Words Redis uses when it refuses credentials (or wants some). */
const AUTH_REFUSED = /WRONGPASS|NOAUTH|invalid password|invalid username-password/i;

/**
 * One line when Redis refuses REDIS_URL's credentials (or wants some the URL lacks), never
 * quoting the password; null when they are accepted or Redis cannot be reached yet.
 */
export async function redisAuthProblem(
  redisUrl: string,
  tlsCa: string | null = null,
  timeoutMs = 3000,
): Promise<string | null> {
  const reading = readRedisUrl(redisUrl);
  if (!reading.ok) return null;
  const { host, port, username } = reading.endpoint;
  const client = new Redis({
    ...redisOptionsFromUrl(redisUrl, tlsCa),
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
  });
  // ioredis reports a refused AUTH as an 'error' event, then rejects with "Connection is closed".
  let refusal: string | null = null;
  client.on('error', (err: Error) => {
    if (AUTH_REFUSED.test(err.message)) refusal = err.message;
  });
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (err) {
    const message = refusal ?? (err instanceof Error ? err.message : String(err));
    if (!AUTH_REFUSED.test(message)) return null;
    const who = username ? `user ${username}` : 'the default user';
    return (
      `Redis at ${hostPort(host, port)} refused the credentials in REDIS_URL for ${who} ` +
      `(${message.split(' ')[0].replace(/[^A-Z]/g, '') || 'AUTH'}): check the password in REDIS_URL`
    );
  } finally {
    client.disconnect();
  }
}
