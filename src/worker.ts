import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createWorkerContext } from './app.factory';
import { loadAppConfigOrExit } from './config/app-config';
import { exitOnStartupError, StartupFailure } from './config/startup-failure';
import { checkRedisCredentials } from './redis/redis-credentials';
import { redisStartupProblem } from './redis/redis-probe';

/** Workers only: run as many of these as you like, on any machine that reaches the Redis. */
async function bootstrap(): Promise<void> {
  const config = loadAppConfigOrExit(process.env, { servesHttp: false });
  const redisProblem = await redisStartupProblem(config.redisUrl, config.redisTlsCa);
  if (redisProblem !== null) throw new StartupFailure(redisProblem);
  await checkRedisCredentials(config);
  const ctx = await createWorkerContext(config);
  const logger = new Logger('Worker');
  // SIGTERM: stop taking jobs, let running ones finish within WORKER_SHUTDOWN_GRACE_MS, hand the
  // rest back to their queues, then exit 0 (a rolling restart is a normal stop, not a crash).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.log(`${signal}: finishing or handing back running jobs, then stopping`);
      void ctx
        .close()
        .then(() => process.exit(0))
        .catch(() => process.exit(1));
    });
  }
  logger.log(
    `Worker started on queues ${config.workerQueues.map((q) => `${q} (${config.queueConcurrency[q]} at once)`).join(', ')}`,
  );
}

bootstrap().catch(exitOnStartupError);
