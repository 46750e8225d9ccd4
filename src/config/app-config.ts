import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  Min,
  validateSync,
} from 'class-validator';

const toBool = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? ['1', 'true', 'yes', 'on'].includes(value.toLowerCase()) : value;
const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() !== '' ? Number(value) : value;

/** The environment the service reads, validated once at start-up. */
class Environment {
  @IsOptional() @IsString() HOST?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT?: number;
  @IsOptional() @IsString() REDIS_URL?: string;
  @IsOptional() @IsString() KEY_PREFIX?: string;
  @IsOptional() @Transform(toBool) @IsBoolean() EMBEDDED_WORKERS?: boolean;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(64) WORKER_CONCURRENCY?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(64) SYNC_CONCURRENCY?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) SOFT_TIME_LIMIT_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) HARD_TIME_LIMIT_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) CANCEL_GRACE_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) TASK_RETENTION_SECONDS?: number;
  @IsOptional() @IsString() MAX_BODY_SIZE?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) MAX_SUBMISSIONS_PER_REQUEST?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) MAX_SUBMISSIONS_PER_DEPLOYMENT?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) MAX_TEXT_LENGTH?: number;
  @IsOptional() @IsString() BEHAVIOR_MODULES?: string;
  @IsOptional() @IsString() WORKER_QUEUES?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(64) GROUP_ASSIGNMENT_CONCURRENCY?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(64) THEME_CREATION_CONCURRENCY?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(64) LIGHT_BEHAVIORS_CONCURRENCY?: number;
  @IsOptional() @IsIn(['model', 'openai', 'lexical']) EMBEDDING_PROVIDER?: string;
  @IsOptional() @IsUrl({ require_tld: false }) EMBEDDING_BASE_URL?: string;
  @IsOptional() @IsString() EMBEDDING_MODEL?: string;
  @IsOptional() @IsString() EMBEDDING_API_KEY?: string;
  @IsOptional() @IsUrl({ require_tld: false }) LLM_BASE_URL?: string;
  @IsOptional() @IsString() LLM_MODEL?: string;
  @IsOptional() @IsString() LLM_API_KEY?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) LLM_TIMEOUT_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(32) LLM_PARALLELISM?: number;
  @IsOptional() @IsIn(['error', 'warn', 'log', 'debug']) LOG_LEVEL?: string;
}

export const WORKER_QUEUE_NAMES = [
  'group-assignment',
  'theme-creation',
  'light-behaviors',
] as const;
export type WorkerQueueName = (typeof WORKER_QUEUE_NAMES)[number];

export type EmbeddingProviderName = 'model' | 'openai' | 'lexical';

export interface OpenAiEndpoint {
  baseUrl: string;
  model: string;
  apiKey: string;
}

export interface AppConfig {
  host: string;
  port: number;
  redisUrl: string;
  /** Prefix of every Redis key this service writes, so several installs can share a Redis. */
  keyPrefix: string;
  embeddedWorkers: boolean;
  workerConcurrency: number;
  syncConcurrency: number;
  softTimeLimitMs: number;
  hardTimeLimitMs: number;
  cancelGraceMs: number;
  taskRetentionSeconds: number;
  maxBodySize: string;
  maxSubmissionsPerRequest: number;
  maxSubmissionsPerDeployment: number;
  maxTextLength: number;
  /** Modules that register extra behavior types (paths, comma-separated in BEHAVIOR_MODULES). */
  behaviorModules: string[];
  /** The queues a worker process (or the embedded worker) serves, and jobs at once on each. */
  workerQueues: WorkerQueueName[];
  queueConcurrency: Record<WorkerQueueName, number>;
  embeddingProvider: EmbeddingProviderName;
  embeddingEndpoint: OpenAiEndpoint | null;
  llm: (OpenAiEndpoint & { timeoutMs: number; parallelism: number }) | null;
  logLevel: 'error' | 'warn' | 'log' | 'debug';
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export class ConfigError extends Error {}

/** Reads and validates the environment; throws one error listing every bad variable. */
export function loadAppConfig(raw: NodeJS.ProcessEnv): AppConfig {
  const env = plainToInstance(Environment, { ...raw }, { excludeExtraneousValues: false });
  const errors = validateSync(env, { skipMissingProperties: false });
  if (errors.length > 0) {
    const lines = errors.map(
      (e) => `${e.property}: ${Object.values(e.constraints ?? {}).join(', ')}`,
    );
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const soft = env.SOFT_TIME_LIMIT_MS ?? 300_000;
  const hard = env.HARD_TIME_LIMIT_MS ?? 600_000;
  if (hard < soft) {
    throw new ConfigError(
      'Invalid configuration: HARD_TIME_LIMIT_MS must be at least SOFT_TIME_LIMIT_MS',
    );
  }
  const endpoint = (base?: string, model?: string, key?: string): OpenAiEndpoint | null =>
    base && model ? { baseUrl: base.replace(/\/+$/, ''), model, apiKey: key ?? '' } : null;
  const llm = endpoint(env.LLM_BASE_URL, env.LLM_MODEL, env.LLM_API_KEY);
  const embeddingEndpoint = endpoint(
    env.EMBEDDING_BASE_URL,
    env.EMBEDDING_MODEL,
    env.EMBEDDING_API_KEY,
  );
  const provider = (env.EMBEDDING_PROVIDER ?? 'model') as EmbeddingProviderName;
  if (provider === 'openai' && embeddingEndpoint === null) {
    throw new ConfigError(
      'Invalid configuration: EMBEDDING_PROVIDER=openai needs EMBEDDING_BASE_URL and EMBEDDING_MODEL',
    );
  }
  const workerQueues = (env.WORKER_QUEUES ?? WORKER_QUEUE_NAMES.join(','))
    .split(',')
    .map((q) => q.trim())
    .filter((q) => q !== '');
  const unknownQueue = workerQueues.find(
    (q) => !(WORKER_QUEUE_NAMES as readonly string[]).includes(q),
  );
  if (unknownQueue !== undefined || workerQueues.length === 0) {
    throw new ConfigError(
      `Invalid configuration: WORKER_QUEUES=${env.WORKER_QUEUES ?? ''} must list some of ${WORKER_QUEUE_NAMES.join(', ')}`,
    );
  }
  const perQueue = env.WORKER_CONCURRENCY ?? 1;
  return {
    host: env.HOST ?? '0.0.0.0',
    port: env.PORT ?? 3000,
    redisUrl: env.REDIS_URL ?? DEFAULT_REDIS_URL,
    keyPrefix: env.KEY_PREFIX ?? 'br',
    embeddedWorkers: env.EMBEDDED_WORKERS ?? true,
    workerConcurrency: env.WORKER_CONCURRENCY ?? 1,
    syncConcurrency: env.SYNC_CONCURRENCY ?? 2,
    softTimeLimitMs: soft,
    hardTimeLimitMs: hard,
    cancelGraceMs: env.CANCEL_GRACE_MS ?? 5_000,
    taskRetentionSeconds: env.TASK_RETENTION_SECONDS ?? 86_400,
    maxBodySize: env.MAX_BODY_SIZE ?? '10mb',
    maxSubmissionsPerRequest: env.MAX_SUBMISSIONS_PER_REQUEST ?? 5_000,
    maxSubmissionsPerDeployment: env.MAX_SUBMISSIONS_PER_DEPLOYMENT ?? 100_000,
    maxTextLength: env.MAX_TEXT_LENGTH ?? 20_000,
    behaviorModules: (env.BEHAVIOR_MODULES ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== ''),
    workerQueues: [...new Set(workerQueues)] as WorkerQueueName[],
    queueConcurrency: {
      'group-assignment': env.GROUP_ASSIGNMENT_CONCURRENCY ?? perQueue,
      'theme-creation': env.THEME_CREATION_CONCURRENCY ?? perQueue,
      'light-behaviors': env.LIGHT_BEHAVIORS_CONCURRENCY ?? perQueue,
    },
    embeddingProvider: provider,
    embeddingEndpoint,
    llm: llm && {
      ...llm,
      timeoutMs: env.LLM_TIMEOUT_MS ?? 20_000,
      parallelism: env.LLM_PARALLELISM ?? 4,
    },
    logLevel: (env.LOG_LEVEL ?? 'log') as AppConfig['logLevel'],
  };
}

/** For entry points: the validated config, or one message naming every bad variable and exit 1. */
export function loadAppConfigOrExit(raw: NodeJS.ProcessEnv): AppConfig {
  try {
    return loadAppConfig(raw);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
}
