import { join } from 'node:path';
import { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { AppModule, WorkerModule } from './app.module';
import { applyHttpSecurity } from './auth/http-security';
import { legacyPathAliases } from './behaviors/legacy-paths';
import { loadBehaviorModules } from './engine/catalog';
import { answerClientError } from './common/client-error';
import { JSON_TYPES, requireJsonBody } from './common/json-body';
import { JsonLimitsPipe, MAX_KEY_LENGTH } from './common/json-limits';
import { createValidationPipe } from './common/validation';
import { AppConfig } from './config/app-config';
import { observeRequests, useStructuredLogs } from './observability/http-observation';
import { mountQueueDashboard } from './observability/queue-dashboard';
import { buildOpenApiDocument, OPENAPI_PAGE_TITLE } from './openapi';

/** Builds the HTTP application (used by main.ts, the tests and the benchmarks). */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  loadBehaviorModules(config.behaviorModules);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    bufferLogs: true,
  });
  useStructuredLogs(app);
  observeRequests(app);
  applyHttpSecurity(app, config);
  app.getHttpServer().on('clientError', answerClientError);
  // The demo page at / (public; its data calls are protected like any other). Served from
  // the build next to this file, so it ships with `dist` and needs no CDN or inline script.
  app.useStaticAssets(join(__dirname, 'public'), { index: 'index.html', redirect: false });
  app.use(legacyPathAliases);
  app.use(requireJsonBody);
  mountQueueDashboard(app, config);
  // Compressed bodies are refused (415): inflating is CPU an attacker chooses, and no client
  // sends them. `limit` bounds the bytes read; JsonLimitsPipe bounds what they may hold.
  app.useBodyParser('json', { limit: config.maxBodySize, type: JSON_TYPES, inflate: false });
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
