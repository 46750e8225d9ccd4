import { createServer } from 'node:net';
import { ConfigError } from './app-config';

/**
 * A start-up problem the operator fixes outside the code (a busy port, a wrong address): its
 * message is the whole story, so the entry points print it alone, without a stack trace.
 */
export class StartupFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupFailure';
  }
}

const LISTEN_FAILURES: Record<string, (host: string, port: number) => string> = {
  EADDRINUSE: (host, port) =>
    `Port ${port} on ${host} is already in use: stop the other program or set PORT`,
  EACCES: (host, port) =>
    `Port ${port} on ${host} needs privileges this process lacks: set PORT to 1024 or above`,
  EADDRNOTAVAIL: (host) =>
    `HOST=${host} is not an address of this machine: set HOST to one of its addresses ` +
    '(127.0.0.1 for this machine only, 0.0.0.0 for every interface)',
  ENOTFOUND: (host) =>
    `HOST=${host} does not resolve to an address: set HOST to an IP address of this machine, or localhost`,
};

/** The one line for a failed `listen`, or null when the error is not one an operator fixes. */
export function listenFailure(err: unknown, host: string, port: number): StartupFailure | null {
  const code = (err as NodeJS.ErrnoException | null)?.code ?? '';
  const line = Object.hasOwn(LISTEN_FAILURES, code) ? LISTEN_FAILURES[code] : undefined;
  return line ? new StartupFailure(line(host, port)) : null;
}

/**
 * Tries host:port before the application is built, so a busy port fails in a second with one
 * line instead of after the workers and Redis connections are up.
 */
export function checkCanListen(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err) => reject(listenFailure(err, host, port) ?? err));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/**
 * For the entry points' last catch: a ConfigError or StartupFailure prints its lines alone and
 * exits 1; anything else is a bug and keeps its stack trace.
 */
export function exitOnStartupError(err: unknown): never {
  if (err instanceof ConfigError || err instanceof StartupFailure) console.error(err.message);
  else console.error(err);
  process.exit(1);
}
