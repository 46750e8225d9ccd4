import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createWorkerContext } from './app.factory';
import { ConfigError, loadAppConfig } from './config/app-config';

/** Workers only: run as many of these as you like, on any machine that reaches the Redis. */
async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadAppConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  await createWorkerContext(config);
  new Logger('Worker').log(
    `Worker started (concurrency ${config.workerConcurrency}) on ${new URL(config.redisUrl).host}`,
  );
}

void bootstrap();
