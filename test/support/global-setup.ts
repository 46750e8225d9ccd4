import { startTestRedis } from './redis-server';

/** One redis-server for the whole run; each test file uses its own key prefix on it. */
export default async function globalSetup(): Promise<void> {
  const redis = await startTestRedis();
  process.env.TEST_REDIS_URL = redis.url;
  (globalThis as { __TEST_REDIS__?: typeof redis }).__TEST_REDIS__ = redis;
}
