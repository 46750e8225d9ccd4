import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { createSecureContext } from 'node:tls';
import bytes from 'bytes';
import { z } from 'zod';
import { maskRedisUrl, readRedisUrl } from '../redis/redis-options';

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
  /** PEM of the CA that signed a rediss:// server's certificate (read from REDIS_TLS_CA). */
  redisTlsCa: string | null;
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
  /** Deepest nesting of arrays and objects in a JSON body, checked before any validation. */
  maxJsonDepth: number;
  /** Most keys in any one object of a JSON body (a submission's `responses` included). */
  maxObjectKeys: number;
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

const DEFAULT_SOFT_TIME_LIMIT_MS = 300_000;
const DEFAULT_HARD_TIME_LIMIT_MS = 600_000;

/** Bad configuration: one line per bad variable, each naming it, its value and what is allowed. */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: string | readonly string[]) {
    const lines = typeof problems === 'string' ? [problems] : problems;
    super(lines.join('\n'));
    this.name = 'ConfigError';
    this.problems = lines;
  }
}

// Why zod: one declaration both parses the environment's strings and gives the result its
// TypeScript type, each rule carries its own message, and there are no decorators or reflection
// metadata to keep in step with a class (the class-validator version needed both, and reported
// one bad PORT three times).

/** A value refused, with what would have been allowed. */
class Refused {
  constructor(readonly allowed: string) {}
}
const refuse = (allowed: string) => new Refused(allowed);

/**
 * One environment variable. Unset or empty means "use the default" (applied in toAppConfig);
 * otherwise `read` turns the text into a value or refuses it, which is exactly one issue.
 */
function variable<T>(read: (text: string) => T | Refused) {
  return z
    .string({ error: 'must be text' })
    .optional()
    .transform((text, ctx): T | undefined => {
      if (text === undefined || text === '') return undefined;
      const value = read(text);
      if (value instanceof Refused) {
        ctx.addIssue({ code: 'custom', message: value.allowed });
        return z.NEVER;
      }
      return value;
    });
}

/** Plain digits only: no sign, no 1e3, no 12abc, no spaces. */
function integer(min: number, max?: number) {
  const allowed =
    max === undefined
      ? `must be a whole number of at least ${min}, in digits only`
      : `must be a whole number from ${min} to ${max}, in digits only`;
  return variable((text) => {
    const n = /^\d{1,15}$/.test(text) ? Number(text) : NaN;
    return n >= min && (max === undefined || n <= max) ? n : refuse(allowed);
  });
}

const TRUE_WORDS = ['true', '1', 'yes'];
const FALSE_WORDS = ['false', '0', 'no'];

/** Strict: a typo such as "ture" is an error, never a silent false. */
function flag() {
  return variable((text) => {
    const word = text.toLowerCase();
    if (TRUE_WORDS.includes(word)) return true;
    if (FALSE_WORDS.includes(word)) return false;
    return refuse('must be true or false (or 1/0, yes/no)');
  });
}

function oneOf<const T extends string>(values: readonly T[]) {
  return variable((text) => {
    const word = text.toLowerCase();
    return values.find((v) => v === word) ?? refuse(`must be one of ${values.join(', ')}`);
  });
}

function httpUrl() {
  return variable((text) => {
    try {
      const url = new URL(text);
      if (url.protocol === 'http:' || url.protocol === 'https:') return text;
    } catch {
      // refused below
    }
    return refuse('must be an http:// or https:// URL');
  });
}

function text() {
  return variable((value) => value);
}

/** Comma-separated, blanks ignored, at least one item. */
function list<T extends string>(allowed?: readonly T[]) {
  return variable((value) => {
    const items = [...new Set(value.split(',').map((v) => v.trim()))].filter((v) => v !== '');
    if (items.length === 0) return refuse('must list at least one item, separated by commas');
    if (allowed === undefined) return items as T[];
    const unknown = items.find((v) => !(allowed as readonly string[]).includes(v));
    if (unknown !== undefined)
      return refuse(`must list some of ${allowed.join(', ')} (not ${unknown})`);
    return items as T[];
  });
}

const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * HOST is where the API listens, so it must name this machine unambiguously: an IP literal,
 * localhost, or a fully qualified name (one with a dot, whose last label is not all digits). A
 * single word such as `not-a-host` is refused: it is more often a typo or a container's name
 * than a local interface, and "1.2.3" is neither an IP nor a name.
 */
export function isListenHost(host: string): boolean {
  if (isIP(host) !== 0 || host.toLowerCase() === 'localhost') return true;
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  const labels = name.split('.');
  return (
    name.length <= 253 &&
    labels.length >= 2 &&
    labels.every((label) => DNS_LABEL.test(label)) &&
    !/^\d+$/.test(labels[labels.length - 1])
  );
}

function listenHost() {
  return variable((value) =>
    isListenHost(value)
      ? value
      : refuse(
          'must be an IP address (127.0.0.1 for this machine only, 0.0.0.0 or :: for every ' +
            'interface), localhost, or a host name with a dot such as api.example.org',
        ),
  );
}

/** What body-parser's `limit` takes, read by the same `bytes` package, but refusing "12abc". */
function byteSize() {
  return variable((value) => {
    const shaped = /^(\d+ *b?|\d+(\.\d+)? *(kb|mb|gb|tb|pb))$/i.test(value);
    const n = shaped ? bytes.parse(value) : null;
    return n !== null && n >= 1
      ? value
      : refuse('must be a size such as 10mb, 512kb or 1048576 (bytes)');
  });
}

function redisUrl() {
  return variable((value) => {
    const reading = readRedisUrl(value);
    return reading.ok ? value : refuse(reading.problem);
  });
}

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'there is no such file',
  EACCES: 'the file may not be read by this user',
  EISDIR: 'that is a folder',
};

/** The path of a PEM CA certificate, read now so a missing file stops the start. */
function caFile() {
  return variable((path) => {
    let pem: string;
    try {
      pem = readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      return refuse(
        `must be the path of a PEM CA certificate, but ${FILE_ERRORS[code] ?? `reading it failed (${code})`}`,
      );
    }
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
      return refuse('must be a PEM CA certificate (a file with -----BEGIN CERTIFICATE-----)');
    }
    try {
      createSecureContext({ ca: pem });
    } catch (err) {
      return refuse(`must be a valid PEM CA certificate (${(err as Error).message})`);
    }
    return pem;
  });
}

/** Every variable the service reads, with its rule. Defaults are in toAppConfig. */
const environmentSchema = z
  .object({
    HOST: listenHost(),
    PORT: integer(0, 65535),
    REDIS_URL: redisUrl(),
    REDIS_TLS_CA: caFile(),
    KEY_PREFIX: text(),
    EMBEDDED_WORKERS: flag(),
    WORKER_CONCURRENCY: integer(1, 64),
    SYNC_CONCURRENCY: integer(1, 64),
    SOFT_TIME_LIMIT_MS: integer(1),
    HARD_TIME_LIMIT_MS: integer(1),
    CANCEL_GRACE_MS: integer(0),
    TASK_RETENTION_SECONDS: integer(1),
    MAX_BODY_SIZE: byteSize(),
    MAX_SUBMISSIONS_PER_REQUEST: integer(1),
    MAX_SUBMISSIONS_PER_DEPLOYMENT: integer(1),
    MAX_TEXT_LENGTH: integer(1),
    MAX_JSON_DEPTH: integer(2, 256),
    MAX_OBJECT_KEYS: integer(10, 100_000),
    BEHAVIOR_MODULES: list<string>(),
    WORKER_QUEUES: list(WORKER_QUEUE_NAMES),
    GROUP_ASSIGNMENT_CONCURRENCY: integer(1, 64),
    THEME_CREATION_CONCURRENCY: integer(1, 64),
    LIGHT_BEHAVIORS_CONCURRENCY: integer(1, 64),
    EMBEDDING_PROVIDER: oneOf(['model', 'openai', 'lexical']),
    EMBEDDING_BASE_URL: httpUrl(),
    EMBEDDING_MODEL: text(),
    EMBEDDING_API_KEY: text(),
    LLM_BASE_URL: httpUrl(),
    LLM_MODEL: text(),
    LLM_API_KEY: text(),
    LLM_TIMEOUT_MS: integer(1),
    LLM_PARALLELISM: integer(1, 32),
    LOG_LEVEL: oneOf(['error', 'warn', 'log', 'debug']),
  })
  .superRefine(
    (env, ctx) => {
      // A variable that failed its own rule holds z.NEVER here: such pairs are not compared.
      const ok = (...values: unknown[]) => values.every((v) => v !== z.NEVER);
      const problem = (variable: keyof typeof env, message: string) =>
        ctx.addIssue({ code: 'custom', path: [variable], message });

      const { SOFT_TIME_LIMIT_MS: soft, HARD_TIME_LIMIT_MS: hard } = env;
      if (ok(soft, hard)) {
        const softMs = soft ?? DEFAULT_SOFT_TIME_LIMIT_MS;
        const hardMs = hard ?? DEFAULT_HARD_TIME_LIMIT_MS;
        if (softMs > hardMs && soft !== undefined) {
          problem(
            'SOFT_TIME_LIMIT_MS',
            `must not be above HARD_TIME_LIMIT_MS (${hardMs}${hard === undefined ? ' by default' : ''}): the soft limit asks a behavior to stop before the hard limit kills it`,
          );
        } else if (softMs > hardMs) {
          problem(
            'HARD_TIME_LIMIT_MS',
            `must not be below SOFT_TIME_LIMIT_MS (${softMs} by default): the soft limit asks a behavior to stop before the hard limit kills it`,
          );
        }
      }

      const {
        EMBEDDING_PROVIDER: provider,
        EMBEDDING_BASE_URL: base,
        EMBEDDING_MODEL: model,
      } = env;
      if (provider === 'openai' && ok(base) && (base === undefined || model === undefined)) {
        const missing = [
          base === undefined && 'EMBEDDING_BASE_URL',
          model === undefined && 'EMBEDDING_MODEL',
        ];
        problem(
          'EMBEDDING_PROVIDER',
          `needs ${missing.filter(Boolean).join(' and ')} to be set as well`,
        );
      }

      const { LLM_BASE_URL: llmBase, LLM_MODEL: llmModel } = env;
      if (ok(llmBase) && (llmBase === undefined) !== (llmModel === undefined)) {
        problem(
          llmBase === undefined ? 'LLM_MODEL' : 'LLM_BASE_URL',
          `needs ${llmBase === undefined ? 'LLM_BASE_URL' : 'LLM_MODEL'} to be set as well (or unset both: no LLM)`,
        );
      }

      const { REDIS_URL: url, REDIS_TLS_CA: ca } = env;
      if (ok(url, ca) && ca !== undefined && !(url ?? DEFAULT_REDIS_URL).startsWith('rediss:')) {
        problem(
          'REDIS_TLS_CA',
          'is only used with TLS: make REDIS_URL start with rediss://, or unset REDIS_TLS_CA',
        );
      }
    },
    // Compare the valid variables even when others are bad, so one run lists every problem.
    { when: () => true },
  );

type Environment = z.output<typeof environmentSchema>;

/** The one place defaults live. */
function toAppConfig(env: Environment): AppConfig {
  const endpoint = (base?: string, model?: string, key?: string): OpenAiEndpoint | null =>
    base && model ? { baseUrl: base.replace(/\/+$/, ''), model, apiKey: key ?? '' } : null;
  const llm = endpoint(env.LLM_BASE_URL, env.LLM_MODEL, env.LLM_API_KEY);
  const perQueue = env.WORKER_CONCURRENCY ?? 1;
  return {
    host: env.HOST ?? '127.0.0.1',
    port: env.PORT ?? 3000,
    redisUrl: env.REDIS_URL ?? DEFAULT_REDIS_URL,
    redisTlsCa: env.REDIS_TLS_CA ?? null,
    keyPrefix: env.KEY_PREFIX ?? 'br',
    embeddedWorkers: env.EMBEDDED_WORKERS ?? true,
    workerConcurrency: env.WORKER_CONCURRENCY ?? 1,
    syncConcurrency: env.SYNC_CONCURRENCY ?? 2,
    softTimeLimitMs: env.SOFT_TIME_LIMIT_MS ?? DEFAULT_SOFT_TIME_LIMIT_MS,
    hardTimeLimitMs: env.HARD_TIME_LIMIT_MS ?? DEFAULT_HARD_TIME_LIMIT_MS,
    cancelGraceMs: env.CANCEL_GRACE_MS ?? 5_000,
    taskRetentionSeconds: env.TASK_RETENTION_SECONDS ?? 86_400,
    maxBodySize: env.MAX_BODY_SIZE ?? '10mb',
    maxSubmissionsPerRequest: env.MAX_SUBMISSIONS_PER_REQUEST ?? 5_000,
    maxSubmissionsPerDeployment: env.MAX_SUBMISSIONS_PER_DEPLOYMENT ?? 100_000,
    maxTextLength: env.MAX_TEXT_LENGTH ?? 20_000,
    maxJsonDepth: env.MAX_JSON_DEPTH ?? 32,
    maxObjectKeys: env.MAX_OBJECT_KEYS ?? 200,
    behaviorModules: env.BEHAVIOR_MODULES ?? [],
    workerQueues: env.WORKER_QUEUES ?? [...WORKER_QUEUE_NAMES],
    queueConcurrency: {
      'group-assignment': env.GROUP_ASSIGNMENT_CONCURRENCY ?? perQueue,
      'theme-creation': env.THEME_CREATION_CONCURRENCY ?? perQueue,
      'light-behaviors': env.LIGHT_BEHAVIORS_CONCURRENCY ?? perQueue,
    },
    embeddingProvider: env.EMBEDDING_PROVIDER ?? 'model',
    embeddingEndpoint: endpoint(env.EMBEDDING_BASE_URL, env.EMBEDDING_MODEL, env.EMBEDDING_API_KEY),
    llm: llm && {
      ...llm,
      timeoutMs: env.LLM_TIMEOUT_MS ?? 20_000,
      parallelism: env.LLM_PARALLELISM ?? 4,
    },
    logLevel: env.LOG_LEVEL ?? 'log',
  };
}

/** A variable's value as a message may show it: secrets masked, quotes showing spaces. */
function shown(name: string, value: unknown): string {
  if (typeof value !== 'string') return String(value);
  if (/(_KEY|_PASSWORD|_SECRET|_TOKEN)$/.test(name)) return '"***"';
  return JSON.stringify(name.endsWith('_URL') ? maskRedisUrl(value) : value);
}

/** Reads and validates the environment; throws one ConfigError listing every bad variable. */
export function loadAppConfig(raw: Readonly<Record<string, unknown>>): AppConfig {
  const parsed = environmentSchema.safeParse(raw);
  if (parsed.success) return toAppConfig(parsed.data);
  const lines = new Map<string, string>();
  for (const issue of parsed.error.issues) {
    const name = String(issue.path[0] ?? '');
    // One line per variable, even if a rule ever reports twice.
    if (!lines.has(name)) lines.set(name, `${name}=${shown(name, raw[name])}: ${issue.message}`);
  }
  throw new ConfigError([...lines.values()]);
}

/** For entry points: the validated config, or one line per bad variable on stderr and exit 1. */
export function loadAppConfigOrExit(raw: Readonly<Record<string, unknown>>): AppConfig {
  try {
    return loadAppConfig(raw);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
}
