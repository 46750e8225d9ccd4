import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { AppConfig, DEFAULT_REDIS_URL, loadAppConfigOrExit } from './config/app-config';
import {
  checkCanListen,
  exitOnStartupError,
  listenFailure,
  StartupFailure,
} from './config/startup-failure';
import {
  PrivateRedis,
  redisAnswers,
  redisServerInstalled,
  startPrivateRedis,
} from './redis/private-redis';
import { checkRedisCredentials } from './redis/redis-credentials';
import { redisStartupProblem } from './redis/redis-probe';

/**
 * With no REDIS_URL and nothing on 127.0.0.1:6379, start a private redis-server so that one
 * command brings the whole service up on a fresh machine.
 */
async function resolveRedis(
  config: AppConfig,
  redisUrlWasSet: boolean,
  logger: Logger,
): Promise<{ url: string; started: PrivateRedis | null }> {
  const given = { url: config.redisUrl, started: null };
  if (redisUrlWasSet || config.redisUrl !== DEFAULT_REDIS_URL) return given;
  if (await redisAnswers('127.0.0.1', 6379)) return given;
  if (!redisServerInstalled()) {
    console.error(
      'No Redis at 127.0.0.1:6379 and no redis-server on PATH: install Redis (e.g. `apt-get install redis-server`) or set REDIS_URL.',
    );
    process.exit(1);
  }
  const started = await startPrivateRedis('127.0.0.1', 6379, '.data/redis');
  logger.log(`Started a private redis-server at ${started.url} (append-only data in .data/redis)`);
  return { url: started.url, started };
}

async function bootstrap(): Promise<void> {
  const logger = new Logger('Bootstrap');
  const loaded = loadAppConfigOrExit(process.env);
  // Problems an operator fixes end in one line (exitOnStartupError), before the app is built.
  await checkCanListen(loaded.host, loaded.port);
  const redisProblem = await redisStartupProblem(loaded.redisUrl, loaded.redisTlsCa);
  if (redisProblem !== null) throw new StartupFailure(redisProblem);
  await checkRedisCredentials(loaded);
  const redis = await resolveRedis(loaded, process.env.REDIS_URL !== undefined, logger);
  const config = { ...loaded, redisUrl: redis.url };
  const app = await createApp(config);
  // Shut down in order: the app (workers, queue, Redis clients) first, then the Redis this
  // process started, which would otherwise outlive it.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.log(`${signal}: shutting down`);
      void app
        .close()
        .finally(() => redis.started?.stop())
        .finally(() => process.exit(0));
    });
  }
  await app.listen(config.port, config.host).catch((err: unknown) => {
    throw listenFailure(err, config.host, config.port) ?? err;
  });
  const workers = config.embeddedWorkers
    ? `with embedded workers on ${config.workerQueues.join(', ')}`
    : 'without workers';
  logger.log(
    `Listening on http://${config.host}:${config.port} ${workers}; Swagger UI at /api/docs`,
  );
}

bootstrap().catch(exitOnStartupError);
