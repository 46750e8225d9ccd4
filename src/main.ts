import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { AppConfig, DEFAULT_REDIS_URL, loadAppConfigOrExit } from './config/app-config';
import { redisAnswers, redisServerInstalled, startPrivateRedis } from './redis/private-redis';

/**
 * With no REDIS_URL and nothing on 127.0.0.1:6379, start a private redis-server so that one
 * command brings the whole service up on a fresh machine.
 */
async function resolveRedis(
  config: AppConfig,
  redisUrlWasSet: boolean,
  logger: Logger,
): Promise<string> {
  if (redisUrlWasSet || config.redisUrl !== DEFAULT_REDIS_URL) return config.redisUrl;
  if (await redisAnswers('127.0.0.1', 6379)) return config.redisUrl;
  if (!redisServerInstalled()) {
    console.error(
      'No Redis at 127.0.0.1:6379 and no redis-server on PATH: install Redis (e.g. `apt-get install redis-server`) or set REDIS_URL.',
    );
    process.exit(1);
  }
  const redis = await startPrivateRedis('127.0.0.1', 6379, '.data/redis');
  logger.log(`Started a private redis-server at ${redis.url} (append-only data in .data/redis)`);
  return redis.url;
}

async function bootstrap(): Promise<void> {
  const logger = new Logger('Bootstrap');
  let config = loadAppConfigOrExit(process.env);
  config = {
    ...config,
    redisUrl: await resolveRedis(config, process.env.REDIS_URL !== undefined, logger),
  };
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const workers = config.embeddedWorkers
    ? `with ${config.workerConcurrency} embedded worker(s)`
    : 'without workers';
  logger.log(
    `Listening on http://${config.host}:${config.port} ${workers}; Swagger UI at /api/docs`,
  );
}

void bootstrap();
