import { INestApplicationContext } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyRequest } from 'fastify';
import { Logger as PinoInstance } from 'pino';
import { logRequests, PinoNestLogger } from './logging';
import { Metrics } from './metrics';
import { DASHBOARD_PATH } from './queue-dashboard';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/**
 * The route label of a request: the matched pattern (`/api/page-deployments/:deploymentId`),
 * never the raw path, so ids do not turn into one series each.
 */
function routeOf(req: FastifyRequest): string {
  const pattern = req.routeOptions.url;
  if (pattern === undefined) return '(unmatched)';
  return pattern.startsWith(DASHBOARD_PATH) ? DASHBOARD_PATH : pattern;
}

/** First of all hooks: a request id and a log line for every request, and its metrics. */
export function observeRequests(app: NestFastifyApplication): void {
  const server = app.getHttpAdapter().getInstance();
  logRequests(server, app.get<PinoInstance>(ROOT_LOGGER));
  const metrics = app.get(Metrics);
  server.addHook('onResponse', (req, reply, done) => {
    metrics.httpRequest(req.method, routeOf(req), reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}

/** Nest's own logger (and every `new Logger(...)` in the code) writes through pino from now on. */
export function useStructuredLogs(app: INestApplicationContext): void {
  app.useLogger(new PinoNestLogger(app.get<PinoInstance>(ROOT_LOGGER)));
}
