import { AppConfig } from '../config/app-config';
import { BehaviorRunner } from './runner/behavior-runner';
import { ThreadSettings } from './runner/protocol';

/** The API's runner for synchronous requests; workers build their own with their concurrency. */
export const SYNC_RUNNER = Symbol('SYNC_RUNNER');

export function threadSettings(config: AppConfig): ThreadSettings {
  return {
    enableTestBehaviors: config.enableTestBehaviors,
    redisUrl: config.redisUrl,
    redisTlsCa: config.redisTlsCa,
    keyPrefix: config.keyPrefix,
    embeddingProvider: config.embeddingProvider,
    embeddingEndpoint: config.embeddingEndpoint,
    llm: config.llm,
  };
}

export function createRunner(config: AppConfig, threads: number): BehaviorRunner {
  return new BehaviorRunner({
    threads,
    softLimitMs: config.softTimeLimitMs,
    hardLimitMs: config.hardTimeLimitMs,
    cancelGraceMs: config.cancelGraceMs,
    settings: threadSettings(config),
  });
}
