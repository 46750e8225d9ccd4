import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createWorkerContext } from './app.factory';
import { loadAppConfigOrExit } from './config/app-config';

/** Workers only: run as many of these as you like, on any machine that reaches the Redis. */
async function bootstrap(): Promise<void> {
  const config = loadAppConfigOrExit(process.env);
  await createWorkerContext(config);
  new Logger('Worker').log(
    `Worker started on queues ${config.workerQueues.map((q) => `${q} (${config.queueConcurrency[q]} at once)`).join(', ')}`,
  );
}

void bootstrap();
