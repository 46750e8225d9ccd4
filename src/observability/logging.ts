import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino, { Logger as PinoInstance, LevelWithSilent } from 'pino';
import { HttpLogger, pinoHttp } from 'pino-http';
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
  if (!readable) return pino(options, out ?? pino.destination({ fd: 1, sync: true }));
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

/**
 * The request logger, mounted before anything else so every request (a refused one, a
 * dashboard page) gets an id and a line when it ends. The id comes from `X-Request-Id` when a
 * proxy set a sane one, else a new UUID, and goes back in the response's `X-Request-Id`; every
 * line logged while the request is handled carries it as `reqId`.
 */
export function requestLogger(root: PinoInstance): HttpLogger<IncomingMessage, ServerResponse> {
  return pinoHttp({
    logger: root,
    quietReqLogger: true,
    // Only what identifies a request: never its headers (bearer tokens, cookies) or query.
    serializers: {
      req: (req: { id?: unknown; method?: string; url?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url?.split('?')[0],
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && GIVEN_ID.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (req, res, err) => {
      // A failing probe repeats every few seconds; readiness itself says what is wrong.
      if (PROBES.test(req.url ?? '')) return 'debug';
      if (err !== undefined || res.statusCode >= 500) return 'error';
      return res.statusCode >= 400 ? 'warn' : 'info';
    },
    // pino-http makes up an error for every 5xx; its stack says nothing about the request.
    customErrorObject: (_req, res, err, value: Record<string, unknown>) =>
      err.message === `failed with status code ${res.statusCode}`
        ? { ...value, err: undefined }
        : value,
    customSuccessMessage: (req, res, ms) =>
      `${req.method} ${req.url?.split('?')[0]} ${res.statusCode} ${Math.round(ms)} ms`,
    customErrorMessage: (req, res, err) =>
      `${req.method} ${req.url?.split('?')[0]} ${res.statusCode}: ${err.message}`,
  });
}

/**
 * nestjs-pino over the given logger. The request logger above already set `req.log`
 * (`useExisting`): the module only carries it into the request's async context, so lines from
 * services and guards have the request id. nestjs-pino keeps one root logger per process (the
 * first one it is given): a test process that builds several apps logs their lines outside
 * requests through the first app's logger.
 */
export function loggingModule(root: PinoInstance): DynamicModule {
  return LoggerModule.forRoot({ pinoHttp: { logger: root }, useExisting: true });
}
