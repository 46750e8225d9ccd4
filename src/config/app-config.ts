import { createPublicKey, JsonWebKey, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { createSecureContext } from 'node:tls';
import bytes from 'bytes';
import { z } from 'zod';
import { maskRedisUrl, readRedisUrl } from './redis-url';

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

/** One public key of a JWKS file, as JSON (RSA or EC; checked at start). */
export type PublicJwk = { kty: string } & Record<string, unknown>;

/** How bearer tokens are verified: exactly one of the three key sources. */
export type AuthKey =
  | { kind: 'secret'; secret: string }
  | { kind: 'public-key'; pem: string; algorithm: 'RS256' | 'ES256' }
  | { kind: 'jwks'; keys: PublicJwk[] };

export interface AuthConfig {
  key: AuthKey;
  /** Checked against the token's `iss` / `aud` when set. */
  issuer: string | null;
  audience: string | null;
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
  /** A running task's lease: renewed by its runner; past it the run counts as lost. */
  taskLeaseMs: number;
  /** On SIGTERM a worker lets running jobs finish this long, then puts them back on the queue. */
  workerShutdownGraceMs: number;
  /** On SIGTERM the API lets synchronous runs finish this long, then answers them 503. */
  shutdownGraceMs: number;
  /** How often a worker looks for jobs whose worker was lost (BullMQ's stalled check). */
  stalledIntervalMs: number;
  /** A task whose worker is lost more often than this ends FAILURE. */
  maxLostWorkers: number;
  /** Where the embedding cache lives; REDIS_URL when unset. A Redis of its own keeps it apart. */
  cacheRedisUrl: string;
  /** The embedding cache keeps at most this many vectors per provider, dropping the oldest. */
  embeddingCacheMaxKeys: number;
  /** When Redis refuses REDIS_URL's password at start: exit 1, or log it and keep retrying. */
  redisAuthFailure: 'exit' | 'retry';
  taskRetentionSeconds: number;
  /** How often a live task event stream gets a heartbeat comment (and re-reads the task). */
  sseHeartbeatMs: number;
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
  /** JSON lines, or readable lines for a person; null: readable only when stdout is a terminal. */
  logFormat: 'json' | 'pretty' | null;
  /** The queue dashboard may retry, remove and clean jobs; off: it only shows them. */
  queueDashboardWritable: boolean;
  /** /metrics answers without a token (for a scraper on a private network). */
  metricsPublic: boolean;
  /** How often a process that serves queues refreshes its record in Redis (GET /api/workers). */
  workerHeartbeatMs: number;
  /** A worker-only process keeps this file fresh while it is ready (it has no HTTP to ask). */
  workerReadyFile: string | null;
  /** A worker-only process serves /metrics and /health/* on this port (HOST); null: none. */
  workerMetricsPort: number | null;
  /** Bearer-token verification; null: access control is off and every request acts as an admin. */
  auth: AuthConfig | null;
  /** Exact origins (scheme://host[:port]) that get CORS headers; empty: none. */
  corsOrigins: string[];
  /** Requests per minute per subject and per IP address; 0: no limit. */
  rateLimitPerMinute: number;
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

function splitList(value: string): string[] {
  return [...new Set(value.split(',').map((v) => v.trim()))].filter((v) => v !== '');
}

/** Comma-separated, blanks ignored, at least one item. */
function list<T extends string>(allowed?: readonly T[]) {
  return variable((value) => {
    const items = splitList(value);
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

/** A file's text, or why it could not be read (`what` says what the file should be). */
function readTextFile(path: string, what: string): string | Refused {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    return refuse(
      `must be the path of ${what}, but ${FILE_ERRORS[code] ?? `reading it failed (${code})`}`,
    );
  }
}

/** The path of a PEM CA certificate, read now so a missing file stops the start. */
function caFile() {
  return variable((path) => {
    const pem = readTextFile(path, 'a PEM CA certificate');
    if (pem instanceof Refused) return pem;
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

const MIN_SECRET_LENGTH = 32;

/** An HS256 secret: short ones can be guessed offline from any token. */
function jwtSecret() {
  return variable((secret) =>
    secret.length >= MIN_SECRET_LENGTH
      ? secret
      : refuse(
          `must be at least ${MIN_SECRET_LENGTH} characters long (e.g. the output of \`openssl rand -base64 48\`)`,
        ),
  );
}

/** The algorithm a public key verifies, or null for a key type this service does not take. */
function algorithmOf(key: KeyObject): 'RS256' | 'ES256' | null {
  if (key.type !== 'public') return null;
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1')
    return 'ES256';
  return null;
}

/** A PEM public key (RSA for RS256, P-256 for ES256), read and parsed now. */
function publicKeyFile() {
  return variable((path) => {
    const what = 'a PEM public key (RSA or P-256 EC)';
    const pem = readTextFile(path, what);
    if (pem instanceof Refused) return pem;
    let key: KeyObject;
    try {
      key = createPublicKey(pem);
    } catch (err) {
      return refuse(`must be ${what} (${(err as Error).message})`);
    }
    const algorithm = algorithmOf(key);
    return algorithm === null ? refuse(`must be ${what}`) : { pem, algorithm };
  });
}

/** A local JWKS file ({"keys": [...]}, RSA or P-256 public keys); never fetched over the network. */
function jwksFile() {
  return variable((path) => {
    const what = 'a JWKS file ({"keys": [...]} with RSA or P-256 EC public keys)';
    const text = readTextFile(path, what);
    if (text instanceof Refused) return text;
    let keys: unknown;
    try {
      keys = (JSON.parse(text) as { keys?: unknown }).keys;
    } catch (err) {
      return refuse(`must be ${what}, but it is not JSON (${(err as Error).message})`);
    }
    if (!Array.isArray(keys) || keys.length === 0) return refuse(`must be ${what}`);
    for (const [i, jwk] of keys.entries()) {
      let key: KeyObject | null = null;
      try {
        key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
      } catch {
        // refused below
      }
      if (key === null || algorithmOf(key) === null)
        return refuse(`must be ${what}; key ${i} is not one`);
    }
    return keys as PublicJwk[];
  });
}

/** Exact browser origins such as https://app.example.org (no path, no wildcard). */
function origins() {
  return variable((value) => {
    const items = splitList(value);
    const bad = items.find((o) => {
      try {
        const url = new URL(o);
        return !['http:', 'https:'].includes(url.protocol) || url.origin !== o;
      } catch {
        return true;
      }
    });
    if (items.length > 0 && bad === undefined) return items;
    return refuse(
      `must list exact origins such as https://app.example.org, separated by commas${bad === undefined ? '' : ` (not ${bad})`}`,
    );
  });
}

const AUTH_KEY_VARIABLES = [
  'AUTH_JWT_SECRET',
  'AUTH_JWT_PUBLIC_KEY_FILE',
  'AUTH_JWKS_FILE',
] as const;

/** Every variable the service reads, with its rule. Defaults are in toAppConfig. */
const environmentSchema = z
  .object({
    HOST: listenHost(),
    PORT: integer(0, 65535),
    REDIS_URL: redisUrl(),
    CACHE_REDIS_URL: redisUrl(),
    EMBEDDING_CACHE_MAX_KEYS: integer(0),
    REDIS_TLS_CA: caFile(),
    KEY_PREFIX: text(),
    EMBEDDED_WORKERS: flag(),
    WORKER_CONCURRENCY: integer(1, 64),
    SYNC_CONCURRENCY: integer(1, 64),
    SOFT_TIME_LIMIT_MS: integer(1),
    HARD_TIME_LIMIT_MS: integer(1),
    CANCEL_GRACE_MS: integer(0),
    TASK_LEASE_MS: integer(1000),
    WORKER_SHUTDOWN_GRACE_MS: integer(0),
    SHUTDOWN_GRACE_MS: integer(0),
    STALLED_INTERVAL_MS: integer(500),
    MAX_LOST_WORKERS: integer(0, 100),
    REDIS_AUTH_FAILURE: oneOf(['exit', 'retry']),
    TASK_RETENTION_SECONDS: integer(1),
    SSE_HEARTBEAT_MS: integer(100, 300_000),
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
    LOG_LEVEL: oneOf(['error', 'warn', 'info', 'log', 'debug']),
    LOG_FORMAT: oneOf(['json', 'pretty']),
    QUEUE_DASHBOARD_WRITABLE: flag(),
    METRICS_PUBLIC: flag(),
    WORKER_HEARTBEAT_MS: integer(200, 600_000),
    WORKER_READY_FILE: text(),
    WORKER_METRICS_PORT: integer(1, 65535),
    NODE_ENV: text(),
    AUTH_JWT_SECRET: jwtSecret(),
    AUTH_JWT_PUBLIC_KEY_FILE: publicKeyFile(),
    AUTH_JWKS_FILE: jwksFile(),
    AUTH_JWT_ISSUER: text(),
    AUTH_JWT_AUDIENCE: text(),
    CORS_ORIGINS: origins(),
    RATE_LIMIT_PER_MINUTE: integer(0),
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

      // A variable that failed its own rule counts as set: it already has its line.
      const keySources = AUTH_KEY_VARIABLES.filter((name) => env[name] !== undefined);
      if (keySources.length > 1) {
        problem(
          keySources[1],
          `must not be set together with ${keySources[0]}: set one key source`,
        );
      }
      for (const name of ['AUTH_JWT_ISSUER', 'AUTH_JWT_AUDIENCE'] as const) {
        if (env[name] !== undefined && keySources.length === 0) {
          problem(
            name,
            'is only checked when tokens are: set AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY_FILE or AUTH_JWKS_FILE',
          );
        }
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
    taskLeaseMs: env.TASK_LEASE_MS ?? 30_000,
    workerShutdownGraceMs: env.WORKER_SHUTDOWN_GRACE_MS ?? 30_000,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS ?? 10_000,
    stalledIntervalMs: env.STALLED_INTERVAL_MS ?? 30_000,
    maxLostWorkers: env.MAX_LOST_WORKERS ?? 2,
    redisAuthFailure: env.REDIS_AUTH_FAILURE ?? 'exit',
    cacheRedisUrl: env.CACHE_REDIS_URL ?? env.REDIS_URL ?? DEFAULT_REDIS_URL,
    embeddingCacheMaxKeys: env.EMBEDDING_CACHE_MAX_KEYS ?? 50_000,
    taskRetentionSeconds: env.TASK_RETENTION_SECONDS ?? 86_400,
    sseHeartbeatMs: env.SSE_HEARTBEAT_MS ?? 15_000,
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
    // `info` is the usual word for Nest's `log` level: both mean the same here.
    logLevel: env.LOG_LEVEL === 'info' ? 'log' : (env.LOG_LEVEL ?? 'log'),
    logFormat: env.LOG_FORMAT ?? null,
    queueDashboardWritable: env.QUEUE_DASHBOARD_WRITABLE ?? false,
    metricsPublic: env.METRICS_PUBLIC ?? false,
    workerHeartbeatMs: env.WORKER_HEARTBEAT_MS ?? 5_000,
    workerReadyFile: env.WORKER_READY_FILE ?? null,
    workerMetricsPort: env.WORKER_METRICS_PORT ?? null,
    auth: authConfig(env),
    corsOrigins: env.CORS_ORIGINS ?? [],
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE ?? 6_000,
  };
}

function authConfig(env: Environment): AuthConfig | null {
  const key: AuthKey | null =
    env.AUTH_JWT_SECRET !== undefined
      ? { kind: 'secret', secret: env.AUTH_JWT_SECRET }
      : env.AUTH_JWT_PUBLIC_KEY_FILE !== undefined
        ? { kind: 'public-key', ...env.AUTH_JWT_PUBLIC_KEY_FILE }
        : env.AUTH_JWKS_FILE !== undefined
          ? { kind: 'jwks', keys: env.AUTH_JWKS_FILE }
          : null;
  return (
    key && { key, issuer: env.AUTH_JWT_ISSUER ?? null, audience: env.AUTH_JWT_AUDIENCE ?? null }
  );
}

/** A variable's value as a message may show it: secrets masked, quotes showing spaces. */
function shown(name: string, value: unknown): string {
  if (typeof value !== 'string') return String(value);
  if (/(_KEY|_PASSWORD|_SECRET|_TOKEN)$/.test(name)) return '"***"';
  return JSON.stringify(name.endsWith('_URL') ? maskRedisUrl(value) : value);
}

export interface LoadOptions {
  /**
   * The HTTP API (the default) refuses NODE_ENV=production without a key source: it would serve
   * every request as an admin. A worker process serves no requests and needs no key.
   */
  servesHttp?: boolean;
}

const isSet = (value: unknown) => value !== undefined && value !== '';

/** Reads and validates the environment; throws one ConfigError listing every bad variable. */
export function loadAppConfig(
  raw: Readonly<Record<string, unknown>>,
  { servesHttp = true }: LoadOptions = {},
): AppConfig {
  const parsed = environmentSchema.safeParse(raw);
  const lines = new Map<string, string>();
  for (const issue of parsed.error?.issues ?? []) {
    const name = String(issue.path[0] ?? '');
    // One line per variable, even if a rule ever reports twice.
    if (!lines.has(name)) lines.set(name, `${name}=${shown(name, raw[name])}: ${issue.message}`);
  }
  if (
    servesHttp &&
    raw.NODE_ENV === 'production' &&
    !AUTH_KEY_VARIABLES.some((name) => isSet(raw[name]))
  ) {
    lines.set(
      'NODE_ENV',
      'NODE_ENV="production": needs AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY_FILE or AUTH_JWKS_FILE: ' +
        'access control may not be off in production',
    );
  }
  if (parsed.success && lines.size === 0) return toAppConfig(parsed.data);
  throw new ConfigError([...lines.values()]);
}

/** For entry points: the validated config, or one line per bad variable on stderr and exit 1. */
export function loadAppConfigOrExit(
  raw: Readonly<Record<string, unknown>>,
  options: LoadOptions = {},
): AppConfig {
  try {
    return loadAppConfig(raw, options);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
}
