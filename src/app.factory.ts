import { INestApplication, INestApplicationContext, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule, WorkerModule } from './app.module';
import { applyHttpSecurity, BEARER_SCHEME, documentAccessControl } from './auth/http-security';
import { addLegacyPaths, legacyPathAliases } from './behaviors/legacy-paths';
import { loadBehaviorModules } from './engine/catalog';
import { createValidationPipe } from './common/validation';
import { AppConfig } from './config/app-config';

function logLevels(config: AppConfig): LogLevel[] {
  const order: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug'];
  return order.slice(0, order.indexOf(config.logLevel) + 1);
}

/** Builds the HTTP application (used by main.ts, the tests and the benchmarks). */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  loadBehaviorModules(config.behaviorModules);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    logger: logLevels(config),
  });
  applyHttpSecurity(app, config);
  app.use(legacyPathAliases);
  app.useBodyParser('json', { limit: config.maxBodySize });
  app.useGlobalPipes(createValidationPipe());
  // No enableShutdownHooks here: main.ts handles signals itself (it may own a Redis to stop).
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Behavior execution service')
      .setDescription(
        'Runs the heavy behaviors of page deployments (group assignment, theme creation) on queue ' +
          'workers, with progress, cancellation and time limits. Trigger, then poll the task until ' +
          'its state is SUCCESS or FAILURE.',
      )
      .setVersion('1.0.0')
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A JWT with sub, role (admin, instructor, student) and, for a student, name',
        },
        BEARER_SCHEME,
      )
      .build(),
  );
  documentAccessControl(document);
  addLegacyPaths(document);
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
  return app;
}

/** Workers only: no HTTP server. */
export async function createWorkerContext(config: AppConfig): Promise<INestApplicationContext> {
  loadBehaviorModules(config.behaviorModules);
  const ctx = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: logLevels(config),
  });
  return ctx;
}
