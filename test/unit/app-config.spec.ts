import { ConfigError, loadAppConfig } from '../../src/config/app-config';

describe('loadAppConfig', () => {
  it('has the design note defaults when nothing is set', () => {
    const c = loadAppConfig({});
    expect(c.softTimeLimitMs).toBe(300_000);
    expect(c.hardTimeLimitMs).toBe(600_000);
    expect(c.workerConcurrency).toBe(1);
    expect(c.cancelGraceMs).toBe(5_000);
    expect(c.taskRetentionSeconds).toBe(86_400);
    expect(c.embeddedWorkers).toBe(true);
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379');
  });

  it('reads numbers and booleans from strings', () => {
    const c = loadAppConfig({
      WORKER_CONCURRENCY: '3',
      EMBEDDED_WORKERS: 'false',
      SOFT_TIME_LIMIT_MS: '1000',
      HARD_TIME_LIMIT_MS: '2000',
    });
    expect([c.workerConcurrency, c.embeddedWorkers, c.softTimeLimitMs, c.hardTimeLimitMs]).toEqual([
      3,
      false,
      1000,
      2000,
    ]);
  });

  it('refuses bad values with one message naming each variable', () => {
    expect(() => loadAppConfig({ WORKER_CONCURRENCY: 'many', PORT: '-1' })).toThrow(
      /WORKER_CONCURRENCY[\s\S]*PORT|PORT[\s\S]*WORKER_CONCURRENCY/,
    );
    expect(() => loadAppConfig({ SOFT_TIME_LIMIT_MS: '5000', HARD_TIME_LIMIT_MS: '1000' })).toThrow(
      ConfigError,
    );
    expect(() => loadAppConfig({ EMBEDDING_PROVIDER: 'openai' })).toThrow(/EMBEDDING_BASE_URL/);
  });
});
