import { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NextFunction, Request, Response } from 'express';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { Logger as PinoInstance } from 'pino';
import { requestLogger } from './logging';
import { Metrics } from './metrics';
import { DASHBOARD_PATH } from './queue-dashboard';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/**
 * The route label of a request: Express's matched pattern (`/api/page-deployments/:deploymentId`),
 * never the raw path, so ids do not turn into one series each.
 */
function routeOf(req: Request): string {
  const route: unknown = (req as { route?: unknown }).route;
  if (typeof route === 'object' && route !== null && 'path' in route) {
    if (typeof route.path === 'string') return `${req.baseUrl}${route.path}`;
  }
  if (req.originalUrl.startsWith(DASHBOARD_PATH)) return DASHBOARD_PATH;
  return '(unmatched)';
}

function httpMetrics(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpRequest(req.method, routeOf(req), res.statusCode, seconds);
    });
    next();
  };
}

/** First of all middleware: a request id and a log line for every request, and its metrics. */
export function observeRequests(app: INestApplication): void {
  app.use(requestLogger(app.get<PinoInstance>(ROOT_LOGGER)));
  app.use(httpMetrics(app.get(Metrics)));
}

/** Nest's own logger (and every `new Logger(...)` in the code) writes through pino from now on. */
export function useStructuredLogs(app: INestApplicationContext): void {
  app.useLogger(app.get(PinoNestLogger));
}
