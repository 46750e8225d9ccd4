import { AppConfig } from '../config/app-config';
import { BehaviorRunner } from './runner/behavior-runner';
import { ThreadSettings } from './runner/protocol';

/** The threads that run synchronous requests: only a process that serves HTTP has them. */
export const SYNC_RUNNER = Symbol('SYNC_RUNNER');
/** The threads that run queue jobs: only a process that serves queues has them. */
export const QUEUE_RUNNER = Symbol('QUEUE_RUNNER');

export function threadSettings(config: AppConfig): ThreadSettings {
  return {
    behaviorModules: config.behaviorModules,
    redisUrl: config.cacheRedisUrl,
    cacheMaxKeys: config.embeddingCacheMaxKeys,
    redisTlsCa: config.redisTlsCa,
    keyPrefix: config.keyPrefix,
    embeddingProvider: config.embeddingProvider,
    embeddingEndpoint: config.embeddingEndpoint,
    llm: config.llm,
  };
}

export function createRunner(
  config: AppConfig,
  threads: number,
  onCacheLookups?: (hits: number, misses: number) => void,
): BehaviorRunner {
  return new BehaviorRunner({
    onCacheLookups,
    threads,
    softLimitMs: config.softTimeLimitMs,
    hardLimitMs: config.hardTimeLimitMs,
    cancelGraceMs: config.cancelGraceMs,
    settings: threadSettings(config),
  });
}

/** One thread per job a worker may run at once, over the queues it serves. */
export function queueThreads(config: AppConfig): number {
  return config.workerQueues.reduce((sum, q) => sum + config.queueConcurrency[q], 0);
}
