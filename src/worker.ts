import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createWorkerContext } from './app.factory';
import { loadAppConfigOrExit } from './config/app-config';
import { exitOnStartupError, StartupFailure } from './config/startup-failure';
import { redisStartupProblem } from './redis/redis-probe';

/** Workers only: run as many of these as you like, on any machine that reaches the Redis. */
async function bootstrap(): Promise<void> {
  const config = loadAppConfigOrExit(process.env, { servesHttp: false });
  const redisProblem = await redisStartupProblem(config.redisUrl, config.redisTlsCa);
  if (redisProblem !== null) throw new StartupFailure(redisProblem);
  await createWorkerContext(config);
  new Logger('Worker').log(
    `Worker started on queues ${config.workerQueues.map((q) => `${q} (${config.queueConcurrency[q]} at once)`).join(', ')}`,
  );
}

bootstrap().catch(exitOnStartupError);
