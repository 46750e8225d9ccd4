import { Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { StartupFailure } from '../config/startup-failure';
import { redisAuthProblem } from './redis-probe';

/**
 * A wrong Redis password is one clear line, never the password itself. REDIS_AUTH_FAILURE=exit
 * (the default) stops with exit code 1; `retry` logs the line and starts anyway: requests get
 * 503 and the clients keep trying until the password is fixed on the Redis side.
 */
export async function checkRedisCredentials(config: AppConfig): Promise<void> {
  const problem = await redisAuthProblem(config.redisUrl, config.redisTlsCa);
  if (problem === null) return;
  if (config.redisAuthFailure === 'exit') throw new StartupFailure(problem);
  new Logger('Redis').error(`${problem}; retrying (REDIS_AUTH_FAILURE=retry)`);
}
