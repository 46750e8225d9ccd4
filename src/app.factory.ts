import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import bytes from 'bytes';
import { AppModule, WorkerModule } from './app.module';
import { applyHttpSecurity, SECURITY_HEADERS } from './auth/http-security';
import { answerLegacyPaths, rewriteLegacyPath } from './behaviors/legacy-paths';
import { loadBehaviorModules } from './engine/catalog';
import { answerClientError } from './common/client-error';
import { errorBody } from './common/http-exception.filter';
import { acceptJsonBodies } from './common/json-body';
import { JsonLimitsPipe, MAX_KEY_LENGTH } from './common/json-limits';
import { createValidationPipe } from './common/validation';
import { AppConfig } from './config/app-config';
import { observeRequests, useStructuredLogs } from './observability/http-observation';
import { requestIdOf } from './observability/logging';
import { mountQueueDashboard } from './observability/queue-dashboard';
import { buildOpenApiDocument, OPENAPI_PAGE_TITLE } from './openapi';

/**
 * The HTTP server under Nest: Fastify, measured against Express on this service's hot routes
 * (docs/benchmarks.md). Its defaults are set back to what clients of the Express service saw.
 */
function serverAdapter(config: AppConfig): FastifyAdapter {
  return new FastifyAdapter({
    // The request logger is ours (observability/logging.ts); Fastify only makes the id.
    logger: false,
    genReqId: requestIdOf,
    bodyLimit: bytes.parse(config.maxBodySize) ?? undefined,
    routerOptions: {
      // A malformed id, however long, is the id pipes' 404 naming it, not the router's 414
      // (Node's 16 KB header limit bounds the whole request line anyway).
      maxParamLength: 16_384,
      // As Express routed: `/api/page-deployments/` is `/api/page-deployments`.
      ignoreTrailingSlash: true,
    },
    // Node's own limit for receiving a whole request (Fastify turns it off by default).
    requestTimeout: 300_000,
    rewriteUrl: rewriteLegacyPath,
    clientErrorHandler: answerClientError,
    // A path Fastify cannot decode (`%ZZ`) is refused before any hook runs: answered here in
    // the one error shape, with the headers every other answer carries.
    frameworkErrors: (error: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
      const status =
        error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 400;
      void reply
        .headers({ ...SECURITY_HEADERS, 'X-Request-Id': req.id })
        .code(status)
        .send(
          errorBody(
            status,
            'The request path is not valid: a percent-encoded sequence does not decode',
          ),
        );
    },
  });
}

/** Builds the HTTP application (used by main.ts, the tests and the benchmarks). */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  loadBehaviorModules(config.behaviorModules);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    serverAdapter(config),
    { bodyParser: false, bufferLogs: true },
  );
  useStructuredLogs(app);
  observeRequests(app);
  const server = app.getHttpAdapter().getInstance();
  answerLegacyPaths(server);
  applyHttpSecurity(app, config);
  acceptJsonBodies(server);
  // The demo page at / (public; its data calls are protected like any other). Served from
  // the build next to this file, so it ships with `dist` and needs no CDN or inline script.
  // Routes for its files only (no wildcard): an API request never touches the disk.
  app.useStaticAssets({
    root: join(__dirname, 'public'),
    prefix: '/',
    index: 'index.html',
    wildcard: false,
    decorateReply: false,
  });
  await mountQueueDashboard(app, config);
  app.useGlobalPipes(
    new JsonLimitsPipe({
      maxDepth: config.maxJsonDepth,
      maxKeys: config.maxObjectKeys,
      maxArrayLength: config.maxSubmissionsPerRequest,
      maxStringLength: config.maxTextLength,
      maxKeyLength: MAX_KEY_LENGTH,
    }),
    createValidationPipe(),
  );
  // No enableShutdownHooks here: main.ts handles signals itself (it may own a Redis to stop).
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('api/docs', app, document, {
    jsonDocumentUrl: 'api/docs-json',
    customSiteTitle: OPENAPI_PAGE_TITLE,
  });
  return app;
}

/** Workers only: no HTTP server. */
export async function createWorkerContext(config: AppConfig): Promise<INestApplicationContext> {
  loadBehaviorModules(config.behaviorModules);
  const ctx = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    bufferLogs: true,
  });
  useStructuredLogs(ctx);
  return ctx;
}
