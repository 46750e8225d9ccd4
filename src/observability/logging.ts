import { randomUUID } from 'node:crypto';
import { AsyncLocalStorage } from 'node:async_hooks';
import { IncomingMessage } from 'node:http';
import { LoggerService } from '@nestjs/common';
import { FastifyInstance } from 'fastify';
import pino, { Logger as PinoInstance, LevelWithSilent } from 'pino';
import pretty from 'pino-pretty';
import { AppConfig } from '../config/app-config';

const LEVELS: Record<AppConfig['logLevel'], LevelWithSilent> = {
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
};

/** An id a caller or a proxy may hand us (X-Request-Id): short, and nothing a log could misread. */
const GIVEN_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Routes that scrapers and probes call every few seconds: logged at debug, not info. */
const PROBES = /^\/(health\/(live|ready)|metrics)(\?|$)/;

/**
 * The process's one pino logger, writing to stdout (or `out`, for tests). JSON lines (one object
 * a line, ISO time, level as a word) for files and log collectors; readable lines when a person
 * watches a terminal. Colours only on a terminal that supports them, whatever FORCE_COLOR says,
 * so `LOG_FORMAT=pretty` into a file has no ANSI codes either.
 */
export function createRootLogger(
  config: AppConfig,
  out: NodeJS.WritableStream | null = null,
): PinoInstance {
  const terminal = out === null && isTerminal();
  const readable = config.logFormat === 'pretty' || (config.logFormat === null && terminal);
  const options = {
    level: LEVELS[config.logLevel],
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  // Asynchronous writes: lines written while one write is in flight go out together in the
  // next (a line per request was a synchronous write each, a fifth of a status read's CPU).
  // pino flushes what is pending when the process exits.
  if (!readable) return pino(options, out ?? pino.destination({ fd: 1, sync: false }));
  return pino(
    options,
    pretty({
      destination: out ?? 1,
      colorize: terminal && pretty.isColorSupported,
      sync: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,context,req,res,responseTime',
      messageFormat: '{if context}[{context}] {end}{msg}',
      singleLine: true,
    }),
  );
}

function isTerminal(): boolean {
  return process.stdout.isTTY === true;
}

/** The request a line is logged for: its id, carried through the request's async work. */
const requestScope = new AsyncLocalStorage<{ reqId: string }>();

/** The id of the request being handled, for log lines written while it is (else undefined). */
export function currentRequestId(): string | undefined {
  return requestScope.getStore()?.reqId;
}

/**
 * The id a request is known by in logs and in its answer's `X-Request-Id`: the caller's (or
 * a proxy's) when it is a sane one, else a new UUID. Given to Fastify as `genReqId`.
 */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && GIVEN_ID.test(given) ? given : randomUUID();
}

/** The level of a request's line: probes at debug, client errors at warn, server errors at error. */
function levelOf(path: string, status: number): 'debug' | 'info' | 'warn' | 'error' {
  if (PROBES.test(path)) return 'debug';
  if (status >= 500) return 'error';
  return status >= 400 ? 'warn' : 'info';
}

/**
 * One line for every request when its answer has been sent, and the request's id in the async
 * context of everything that handles it (so a service's lines carry it as `reqId`). Registered
 * first of all hooks, so a refused request (a 401, a 415, an unknown path) gets its line too.
 * Only what identifies a request is logged: never its headers (bearer tokens, cookies) or query.
 * One object per line, built once: no child logger per request (the request logger this
 * replaced spent a quarter of a status read's CPU on its per-request wrapper).
 */
export function logRequests(server: FastifyInstance, root: PinoInstance): void {
  server.addHook('onRequest', (req, reply, done) => {
    void reply.header('X-Request-Id', req.id);
    requestScope.run({ reqId: req.id }, done);
  });
  server.addHook('onResponse', (req, reply, done) => {
    const path = req.url.split('?')[0];
    const status = reply.statusCode;
    const level = levelOf(path, status);
    if (root.isLevelEnabled(level)) {
      const ms = Math.round(reply.elapsedTime);
      root[level](
        {
          reqId: req.id,
          req: { id: req.id, method: req.method, url: path },
          res: { statusCode: status },
          responseTime: ms,
        },
        `${req.method} ${path} ${status} ${ms} ms`,
      );
    }
    done();
  });
  // A client that hangs up before its request is in gets a line too (no answer is sent).
  server.addHook('onRequestAbort', (req, done) => {
    const path = req.url.split('?')[0];
    root.warn(
      { reqId: req.id, req: { id: req.id, method: req.method, url: path } },
      `${req.method} ${path}: the client closed the connection before its request was in`,
    );
    done();
  });
}

type NestLevel = 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal';

/**
 * Nest's logger (and every `new Logger(context)` in the code) writing through the process's
 * pino logger: `logger.log(fields, 'message')` becomes one line with the fields, the context
 * and, inside a request, its `reqId`.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly root: PinoInstance) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: NestLevel, message: unknown, rest: unknown[]): void {
    if (!this.root.isLevelEnabled(level)) return;
    // A Nest `Logger` with a context passes it last.
    const args = [...rest];
    const context = args.length > 0 && typeof args.at(-1) === 'string' ? args.pop() : undefined;
    // Object.assign, not spreads with properties after them (slow on Node 20, see taskLog).
    const fields: Record<string, unknown> = { context, reqId: currentRequestId() };
    if (message instanceof Error) {
      this.root[level](Object.assign(fields, { err: message }), message.message);
    } else if (typeof message === 'object' && message !== null) {
      const text = args.find((a): a is string => typeof a === 'string');
      this.root[level](Object.assign(fields, message), text);
    } else {
      // `logger.error(message, stack)`: the stack comes before the context.
      const stack = level === 'error' ? args.find((a) => typeof a === 'string') : undefined;
      this.root[level](
        stack === undefined ? fields : Object.assign(fields, { stack }),
        String(message),
      );
    }
  }
}
