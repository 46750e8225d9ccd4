import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import {
  AppConfig,
  ConfigError,
  DEFAULT_REDIS_URL,
  loadAppConfig,
  loadAppConfigOrExit,
} from '../../src/config/app-config';
import {
  AppConfigModule,
  appConfigOf,
  TypedConfigService,
  validate,
} from '../../src/config/config.module';
import { maskRedisUrl, redisOptionsFromUrl } from '../../src/config/redis-url';

/** A self-signed CA certificate (public, no key here), for REDIS_TLS_CA. */
const TEST_CA_PEM = `-----BEGIN CERTIFICATE-----
MIIBmzCCAUGgAwIBAgIUZgLIzbsuLYEb3mOeWAukYev6Sx4wCgYIKoZIzj0EAwIw
IjEgMB4GA1UEAwwXYmVoYXZpb3ItcnVubmVyIHRlc3QgQ0EwIBcNMjYxMTI5MTkz
NzI5WhgPMjEyNjExMDUxOTM3MjlaMCIxIDAeBgNVBAMMF2JlaGF2aW9yLXJ1bm5l
ciB0ZXN0IENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEyWkdAMnEorhpjX+K
IVU7A2CT8k4nXcuXoRvPq8v26rpL/KdGhqC9M6bpWZHDViatnqJVsHd21uSCUof2
/wwesKNTMFEwHQYDVR0OBBYEFMyxKHxuWOm8eDytOCiz2Ql6d7iXMB8GA1UdIwQY
MBaAFMyxKHxuWOm8eDytOCiz2Ql6d7iXMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZI
zj0EAwIDSAAwRQIhANvvPjv1AUfSiXM+/tIzTUoaeMgGeMW6P+ydM0WeNrPIAiA6
D22PW18U5/x/7UGnnE/oppHrKvYnduAy5PWGCk/eCg==
-----END CERTIFICATE-----
`;

const dir = mkdtempSync(join(tmpdir(), 'app-config-spec-'));
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** The lines a bad environment gives (fails the test if it is accepted). */
function problems(env: Record<string, string>): string[] {
  try {
    loadAppConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const lines = (err as ConfigError).message.split('\n');
    expect(lines).toEqual((err as ConfigError).problems);
    return lines;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

/** The one line a bad environment gives. */
function oneProblem(env: Record<string, string>): string {
  const lines = problems(env);
  expect(lines).toHaveLength(1);
  return lines[0];
}

describe('loadAppConfig', () => {
  it('keeps every default when nothing is set, and listens on 127.0.0.1 only', () => {
    const c = loadAppConfig({});
    expect(c).toEqual<AppConfig>({
      host: '127.0.0.1',
      port: 3000,
      redisUrl: DEFAULT_REDIS_URL,
      redisTlsCa: null,
      keyPrefix: 'br',
      embeddedWorkers: true,
      workerConcurrency: 1,
      syncConcurrency: 2,
      softTimeLimitMs: 300_000,
      hardTimeLimitMs: 600_000,
      cancelGraceMs: 5_000,
      taskLeaseMs: 30_000,
      workerShutdownGraceMs: 30_000,
      shutdownGraceMs: 10_000,
      stalledIntervalMs: 30_000,
      maxLostWorkers: 2,
      redisAuthFailure: 'exit',
      cacheRedisUrl: 'redis://127.0.0.1:6379',
      embeddingCacheMaxKeys: 50_000,
      taskRetentionSeconds: 86_400,
      sseHeartbeatMs: 15_000,
      maxBodySize: '10mb',
      maxSubmissionsPerRequest: 5_000,
      maxSubmissionsPerDeployment: 100_000,
      maxTextLength: 20_000,
      maxJsonDepth: 32,
      maxObjectKeys: 200,
      behaviorModules: [],
      workerQueues: ['group-assignment', 'theme-creation', 'light-behaviors'],
      queueConcurrency: { 'group-assignment': 1, 'theme-creation': 1, 'light-behaviors': 1 },
      embeddingProvider: 'model',
      embeddingEndpoint: null,
      llm: null,
      logLevel: 'log',
      logFormat: null,
      queueDashboardWritable: false,
      metricsPublic: false,
      workerHeartbeatMs: 5_000,
      workerReadyFile: null,
      workerMetricsPort: null,
      auth: null,
      corsOrigins: [],
      rateLimitPerMinute: 6_000,
    });
    expect(DEFAULT_REDIS_URL).toBe('redis://127.0.0.1:6379');
  });

  it('takes LOG_LEVEL=info as the default level and reads the observability switches', () => {
    expect(
      loadAppConfig({
        LOG_LEVEL: 'info',
        LOG_FORMAT: 'json',
        QUEUE_DASHBOARD_WRITABLE: 'yes',
        METRICS_PUBLIC: 'true',
        WORKER_HEARTBEAT_MS: '1000',
        WORKER_READY_FILE: '/tmp/worker-ready',
        WORKER_METRICS_PORT: '9464',
      }),
    ).toMatchObject({
      logLevel: 'log',
      logFormat: 'json',
      queueDashboardWritable: true,
      metricsPublic: true,
      workerHeartbeatMs: 1000,
      workerReadyFile: '/tmp/worker-ready',
      workerMetricsPort: 9464,
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadAppConfig({ PORT: '', EMBEDDED_WORKERS: '', HOST: '' })).toMatchObject({
      port: 3000,
      embeddedWorkers: true,
      host: '127.0.0.1',
    });
  });

  it('reads numbers, booleans, sizes and endpoints from strings', () => {
    const c = loadAppConfig({
      HOST: '0.0.0.0',
      PORT: '8080',
      WORKER_CONCURRENCY: '3',
      EMBEDDED_WORKERS: 'false',
      SOFT_TIME_LIMIT_MS: '1000',
      HARD_TIME_LIMIT_MS: '1000',
      CANCEL_GRACE_MS: '0',
      MAX_BODY_SIZE: '512kb',
      LOG_LEVEL: 'DEBUG',
      EMBEDDING_PROVIDER: 'openai',
      EMBEDDING_BASE_URL: 'http://127.0.0.1:9000/v1/',
      EMBEDDING_MODEL: 'e5',
      LLM_BASE_URL: 'https://llm.example.org/v1',
      LLM_MODEL: 'small',
      LLM_API_KEY: 'sk-123',
      LLM_PARALLELISM: '8',
    });
    expect(c).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      workerConcurrency: 3,
      embeddedWorkers: false,
      softTimeLimitMs: 1000,
      hardTimeLimitMs: 1000,
      cancelGraceMs: 0,
      maxBodySize: '512kb',
      logLevel: 'debug',
      embeddingProvider: 'openai',
      embeddingEndpoint: { baseUrl: 'http://127.0.0.1:9000/v1', model: 'e5', apiKey: '' },
      llm: {
        baseUrl: 'https://llm.example.org/v1',
        model: 'small',
        apiKey: 'sk-123',
        timeoutMs: 20_000,
        parallelism: 8,
      },
    });
  });

  describe('gives exactly one line per bad variable, naming it, its value and what is allowed', () => {
    it.each([
      [{ REDIS_URL: 'garbage' }, 'REDIS_URL="garbage": must look like redis://'],
      [{ PORT: 'abc' }, 'PORT="abc": must be a whole number from 0 to 65535'],
      [{ PORT: '65536' }, 'PORT="65536": must be a whole number from 0 to 65535'],
      [{ EMBEDDED_WORKERS: 'ture' }, 'EMBEDDED_WORKERS="ture": must be true or false'],
      [{ MAX_BODY_SIZE: 'lots' }, 'MAX_BODY_SIZE="lots": must be a size such as 10mb, 512kb'],
      [{ HOST: 'not-a-host' }, 'HOST="not-a-host": must be an IP address'],
      [
        { WORKER_CONCURRENCY: '65' },
        'WORKER_CONCURRENCY="65": must be a whole number from 1 to 64',
      ],
      [
        { LOG_LEVEL: 'verbose' },
        'LOG_LEVEL="verbose": must be one of error, warn, info, log, debug',
      ],
      [{ LOG_FORMAT: 'xml' }, 'LOG_FORMAT="xml": must be one of json, pretty'],
      [{ METRICS_PUBLIC: 'sure' }, 'METRICS_PUBLIC="sure": must be true or false'],
      [
        { WORKER_HEARTBEAT_MS: '10' },
        'WORKER_HEARTBEAT_MS="10": must be a whole number from 200 to 600000',
      ],
      [{ EMBEDDING_PROVIDER: 'bert' }, 'EMBEDDING_PROVIDER="bert": must be one of model, openai'],
      [{ LLM_BASE_URL: 'ftp://x', LLM_MODEL: 'm' }, 'LLM_BASE_URL="ftp://x": must be an http://'],
    ])('%j', (env, start) => {
      const line = oneProblem(env);
      expect(line.startsWith(start)).toBe(true);
    });

    it('says what a host is in the HOST message', () => {
      expect(oneProblem({ HOST: 'not-a-host' })).toBe(
        'HOST="not-a-host": must be an IP address (127.0.0.1 for this machine only, 0.0.0.0 or :: ' +
          'for every interface), localhost, or a host name with a dot such as api.example.org',
      );
    });

    it('lists every bad variable at once, each once', () => {
      const lines = problems({
        PORT: 'abc',
        EMBEDDED_WORKERS: 'ture',
        MAX_BODY_SIZE: 'lots',
        HOST: 'not-a-host',
        REDIS_URL: 'garbage',
        SOFT_TIME_LIMIT_MS: '5000',
        HARD_TIME_LIMIT_MS: '1000',
      });
      expect(lines.map((l) => l.split('=')[0]).sort()).toEqual(
        [
          'EMBEDDED_WORKERS',
          'HOST',
          'MAX_BODY_SIZE',
          'PORT',
          'REDIS_URL',
          'SOFT_TIME_LIMIT_MS',
        ].sort(),
      );
    });
  });

  it('accepts only plain digit strings as integers', () => {
    for (const bad of ['1e3', '12abc', '-1', ' 3', '3 ', '3.0', '+3', '0x10', 'Infinity']) {
      expect(oneProblem({ CANCEL_GRACE_MS: bad })).toBe(
        `CANCEL_GRACE_MS=${JSON.stringify(bad)}: must be a whole number of at least 0, in digits only`,
      );
    }
    expect(loadAppConfig({ CANCEL_GRACE_MS: '1000' }).cancelGraceMs).toBe(1000);
  });

  it('reads booleans strictly, for every boolean variable', () => {
    const cases: [string, boolean][] = [
      ['true', true],
      ['TRUE', true],
      ['1', true],
      ['yes', true],
      ['Yes', true],
      ['false', false],
      ['False', false],
      ['0', false],
      ['no', false],
      ['NO', false],
    ];
    for (const [text, value] of cases) {
      const c = loadAppConfig({ EMBEDDED_WORKERS: text });
      expect(c.embeddedWorkers).toEqual(value);
    }
    for (const variable of ['EMBEDDED_WORKERS']) {
      for (const bad of ['ture', 'on', 'off', 'y', 'n', '2', ' true']) {
        expect(oneProblem({ [variable]: bad })).toBe(
          `${variable}=${JSON.stringify(bad)}: must be true or false (or 1/0, yes/no)`,
        );
      }
    }
  });

  it('reads the queues a worker serves and the jobs at once on each', () => {
    const c = loadAppConfig({
      WORKER_QUEUES: ' theme-creation, group-assignment ,',
      WORKER_CONCURRENCY: '2',
      THEME_CREATION_CONCURRENCY: '4',
    });
    expect(c.workerQueues).toEqual(['theme-creation', 'group-assignment']);
    expect(c.queueConcurrency).toEqual({
      'group-assignment': 2,
      'theme-creation': 4,
      'light-behaviors': 2,
    });
    expect(oneProblem({ WORKER_QUEUES: 'themes' })).toBe(
      'WORKER_QUEUES="themes": must list some of group-assignment, theme-creation, light-behaviors (not themes)',
    );
    expect(oneProblem({ WORKER_QUEUES: ',' })).toBe(
      'WORKER_QUEUES=",": must list at least one item, separated by commas',
    );
  });

  it('reads MAX_BODY_SIZE as body-parser does, refusing what it would misread', () => {
    for (const good of ['10mb', '512kb', '1048576', '1.5MB', '2 gb', '100b']) {
      expect(loadAppConfig({ MAX_BODY_SIZE: good }).maxBodySize).toBe(good);
    }
    for (const bad of ['lots', '12abc', '0', '-1mb', '1.5', 'mb', '10 m']) {
      expect(oneProblem({ MAX_BODY_SIZE: bad })).toBe(
        `MAX_BODY_SIZE=${JSON.stringify(bad)}: must be a size such as 10mb, 512kb or 1048576 (bytes)`,
      );
    }
  });

  it('reads the JSON body limits, bounded so that a typo cannot switch them off', () => {
    expect(loadAppConfig({ MAX_JSON_DEPTH: '8', MAX_OBJECT_KEYS: '500' })).toMatchObject({
      maxJsonDepth: 8,
      maxObjectKeys: 500,
    });
    for (const bad of ['1', '257', '1e3', 'deep']) {
      expect(oneProblem({ MAX_JSON_DEPTH: bad })).toBe(
        `MAX_JSON_DEPTH=${JSON.stringify(bad)}: must be a whole number from 2 to 256, in digits only`,
      );
    }
    for (const bad of ['9', '100001', '-5']) {
      expect(oneProblem({ MAX_OBJECT_KEYS: bad })).toBe(
        `MAX_OBJECT_KEYS=${JSON.stringify(bad)}: must be a whole number from 10 to 100000, in digits only`,
      );
    }
  });

  it('accepts IP addresses, localhost and dotted names as HOST, nothing else', () => {
    for (const good of ['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost', 'api.example.org']) {
      expect(loadAppConfig({ HOST: good }).host).toBe(good);
    }
    for (const bad of ['not-a-host', 'under_score.example', 'a b', '1.2.3', '[::1]', '-x.org']) {
      expect(oneProblem({ HOST: bad }).startsWith(`HOST=${JSON.stringify(bad)}: must be`)).toBe(
        true,
      );
    }
  });

  it('names both time limits when the soft one is above the hard one', () => {
    expect(oneProblem({ SOFT_TIME_LIMIT_MS: '5000', HARD_TIME_LIMIT_MS: '1000' })).toBe(
      'SOFT_TIME_LIMIT_MS="5000": must not be above HARD_TIME_LIMIT_MS (1000): the soft limit ' +
        'asks a behavior to stop before the hard limit kills it',
    );
    expect(oneProblem({ HARD_TIME_LIMIT_MS: '1000' })).toMatch(
      /^HARD_TIME_LIMIT_MS="1000": must not be below SOFT_TIME_LIMIT_MS \(300000 by default\)/,
    );
    expect(oneProblem({ SOFT_TIME_LIMIT_MS: '700000' })).toMatch(
      /^SOFT_TIME_LIMIT_MS="700000": must not be above HARD_TIME_LIMIT_MS \(600000 by default\)/,
    );
  });

  it('wants both halves of an endpoint', () => {
    expect(oneProblem({ EMBEDDING_PROVIDER: 'openai' })).toBe(
      'EMBEDDING_PROVIDER="openai": needs EMBEDDING_BASE_URL and EMBEDDING_MODEL to be set as well',
    );
    expect(oneProblem({ LLM_BASE_URL: 'http://127.0.0.1:1' })).toMatch(
      /^LLM_BASE_URL="http:\/\/127.0.0.1:1": needs LLM_MODEL to be set as well/,
    );
    expect(oneProblem({ LLM_MODEL: 'small' })).toMatch(
      /^LLM_MODEL="small": needs LLM_BASE_URL to be set as well/,
    );
  });

  describe('REDIS_URL', () => {
    it('accepts what ioredis accepts: redis://, rediss://, user and password, a db number', () => {
      for (const url of [
        'redis://127.0.0.1:6379',
        'redis://localhost',
        'redis://redis:6379/0',
        'redis://:p%40ss@cache.internal:6380/3',
        'redis://app:secret@10.0.0.5:6379/15',
        'rediss://default:secret@redis.example.org:6380',
        'redis://[::1]:6379/2',
      ]) {
        expect(loadAppConfig({ REDIS_URL: url }).redisUrl).toBe(url);
      }
    });

    it('refuses anything else with one line, the password masked', () => {
      const cases: [string, string][] = [
        ['garbage', 'REDIS_URL="garbage": must look like redis://'],
        ['localhost:6379', 'REDIS_URL="localhost:6379": must look like redis://'],
        ['http://u:hunter2@h:6379', 'REDIS_URL="http://u:***@h:6379": must start with redis://'],
        ['redis://u:hunter2@h:99999', 'REDIS_URL="redis://u:***@h:99999": has a bad port'],
        ['redis://u:hunter2@h:port', 'REDIS_URL="redis://u:***@h:port": has a bad port'],
        ['redis://u:hunter2@h:6379/x', 'REDIS_URL="redis://u:***@h:6379/x": has a bad database'],
        ['redis://h:6379/1.5', 'REDIS_URL="redis://h:6379/1.5": has a bad database'],
        ['redis://:hun/ter2@h', 'REDIS_URL="redis://:***@h": cannot be read: URL-encode'],
        ['redis://:hunter2%zz@h', 'REDIS_URL="redis://:***@h": has a user name or password'],
        ['redis://h?password=x', 'REDIS_URL="redis://h?password=x": must not have a ?query'],
        ['redis://:hunter2@:6379', 'REDIS_URL="redis://:***@:6379": needs a host'],
      ];
      for (const [url, start] of cases) {
        const line = oneProblem({ REDIS_URL: url });
        expect(line.startsWith(start)).toBe(true);
        expect(line).not.toContain('hunter2');
        expect(line).not.toContain('hun/ter2');
      }
    });

    it('masks the password in any text', () => {
      expect(maskRedisUrl('redis://user:s3cret@host:6379')).toBe('redis://user:***@host:6379');
      expect(maskRedisUrl('rediss://:s3c@ret@host/2')).toBe('rediss://:***@host/2');
      expect(maskRedisUrl('redis://host:6379')).toBe('redis://host:6379');
      expect(maskRedisUrl('s3cret@host')).toBe('***@host');
    });
  });

  describe('redisOptionsFromUrl', () => {
    it('gives ioredis the host, port, decoded credentials and db number', () => {
      expect(redisOptionsFromUrl('redis://us%40er:p%3Ass%2F@cache.internal:6380/3')).toEqual({
        host: 'cache.internal',
        port: 6380,
        username: 'us@er',
        password: 'p:ss/',
        db: 3,
        tls: undefined,
      });
      expect(redisOptionsFromUrl('redis://:secret@[::1]')).toMatchObject({
        host: '::1',
        port: 6379,
        username: undefined,
        password: 'secret',
        db: 0,
      });
    });

    it('turns TLS on for rediss://, with the CA when there is one', () => {
      expect(redisOptionsFromUrl('rediss://h:6380').tls).toEqual({});
      expect(redisOptionsFromUrl('rediss://h:6380', TEST_CA_PEM).tls).toEqual({ ca: TEST_CA_PEM });
      expect(redisOptionsFromUrl('redis://h:6379', TEST_CA_PEM).tls).toBeUndefined();
    });

    it('throws the same masked line for a bad URL', () => {
      expect(() => redisOptionsFromUrl('redis://u:hunter2@h:0')).toThrow(
        'REDIS_URL="redis://u:***@h:0": has a bad port: the port must be a whole number from 1 to 65535',
      );
    });
  });

  describe('REDIS_TLS_CA', () => {
    it('reads the CA file at start, for rediss://', () => {
      const path = file('ca.pem', TEST_CA_PEM);
      const c = loadAppConfig({ REDIS_URL: 'rediss://redis.example.org:6380', REDIS_TLS_CA: path });
      expect(c.redisTlsCa).toBe(TEST_CA_PEM);
    });

    it('stops the start with one line when the file is missing or not a certificate', () => {
      const missing = join(dir, 'missing.pem');
      expect(oneProblem({ REDIS_URL: 'rediss://h', REDIS_TLS_CA: missing })).toBe(
        `REDIS_TLS_CA="${missing}": must be the path of a PEM CA certificate, but there is no such file`,
      );
      const notPem = file('not.pem', 'hello');
      expect(oneProblem({ REDIS_URL: 'rediss://h', REDIS_TLS_CA: notPem })).toMatch(
        /^REDIS_TLS_CA=".*not\.pem": must be a PEM CA certificate/,
      );
      expect(oneProblem({ REDIS_URL: 'rediss://h', REDIS_TLS_CA: dir })).toMatch(
        /but that is a folder$/,
      );
    });

    it('is refused with redis:// rather than silently ignored', () => {
      const path = file('ca2.pem', TEST_CA_PEM);
      expect(oneProblem({ REDIS_TLS_CA: path })).toBe(
        `REDIS_TLS_CA="${path}": is only used with TLS: make REDIS_URL start with rediss://, or unset REDIS_TLS_CA`,
      );
    });
  });
});

describe('access control, CORS and rate limits', () => {
  const SECRET = 'x'.repeat(32);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  it('is off by default, with generous rate limits and no CORS', () => {
    expect(loadAppConfig({})).toMatchObject({
      auth: null,
      corsOrigins: [],
      rateLimitPerMinute: 6000,
    });
  });

  it('reads an HS256 secret with the issuer and audience to check', () => {
    const c = loadAppConfig({
      AUTH_JWT_SECRET: SECRET,
      AUTH_JWT_ISSUER: 'https://login.example.org',
      AUTH_JWT_AUDIENCE: 'behavior-runner',
    });
    expect(c.auth).toEqual({
      key: { kind: 'secret', secret: SECRET },
      issuer: 'https://login.example.org',
      audience: 'behavior-runner',
    });
  });

  it('refuses a short secret, masking it', () => {
    expect(oneProblem({ AUTH_JWT_SECRET: 'short' })).toBe(
      'AUTH_JWT_SECRET="***": must be at least 32 characters long (e.g. the output of `openssl rand -base64 48`)',
    );
  });

  it('reads a PEM public key and picks RS256 or ES256 from it', () => {
    const rsaPath = file(
      'rsa.pem',
      rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    );
    const ecPath = file('ec.pem', ec.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    expect(loadAppConfig({ AUTH_JWT_PUBLIC_KEY_FILE: rsaPath }).auth?.key).toMatchObject({
      kind: 'public-key',
      algorithm: 'RS256',
    });
    expect(loadAppConfig({ AUTH_JWT_PUBLIC_KEY_FILE: ecPath }).auth?.key).toMatchObject({
      kind: 'public-key',
      algorithm: 'ES256',
    });
  });

  it('refuses a missing or unusable key file with one line', () => {
    const missing = join(dir, 'nope.pem');
    expect(oneProblem({ AUTH_JWT_PUBLIC_KEY_FILE: missing })).toBe(
      `AUTH_JWT_PUBLIC_KEY_FILE="${missing}": must be the path of a PEM public key (RSA or P-256 EC), but there is no such file`,
    );
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' });
    expect(oneProblem({ AUTH_JWT_PUBLIC_KEY_FILE: file('ed.pem', ed.toString()) })).toMatch(
      /^AUTH_JWT_PUBLIC_KEY_FILE=".*ed\.pem": must be a PEM public key \(RSA or P-256 EC\)$/,
    );
    expect(oneProblem({ AUTH_JWKS_FILE: file('bad.json', '{"keys": []}') })).toMatch(
      /^AUTH_JWKS_FILE=".*bad\.json": must be a JWKS file/,
    );
  });

  it('reads a local JWKS file', () => {
    const jwk = { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'k1' };
    const path = file('jwks.json', JSON.stringify({ keys: [jwk] }));
    expect(loadAppConfig({ AUTH_JWKS_FILE: path }).auth?.key).toEqual({
      kind: 'jwks',
      keys: [jwk],
    });
  });

  it('takes one key source only', () => {
    const path = file(
      'jwks2.json',
      JSON.stringify({ keys: [ec.publicKey.export({ format: 'jwk' })] }),
    );
    expect(oneProblem({ AUTH_JWT_SECRET: SECRET, AUTH_JWKS_FILE: path })).toBe(
      `AUTH_JWKS_FILE="${path}": must not be set together with AUTH_JWT_SECRET: set one key source`,
    );
  });

  it('refuses to run in production without a key, in one line', () => {
    expect(oneProblem({ NODE_ENV: 'production' })).toBe(
      'NODE_ENV="production": needs AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY_FILE or AUTH_JWKS_FILE: access control may not be off in production',
    );
    expect(loadAppConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET }).auth).not.toBeNull();
    // A worker serves no requests: it needs no key.
    expect(loadAppConfig({ NODE_ENV: 'production' }, { servesHttp: false }).auth).toBeNull();
    // Listed with the other bad variables, not instead of them.
    expect(problems({ NODE_ENV: 'production', PORT: 'x' }).map((l) => l.split('=')[0])).toEqual([
      'PORT',
      'NODE_ENV',
    ]);
  });

  it('refuses an issuer or audience without a key rather than ignoring it', () => {
    expect(oneProblem({ AUTH_JWT_AUDIENCE: 'x' })).toMatch(
      /^AUTH_JWT_AUDIENCE="x": is only checked/,
    );
  });

  it('reads exact CORS origins and refuses anything else', () => {
    expect(
      loadAppConfig({ CORS_ORIGINS: 'https://app.example.org, http://localhost:5173' }).corsOrigins,
    ).toEqual(['https://app.example.org', 'http://localhost:5173']);
    for (const bad of ['*', 'https://app.example.org/', 'app.example.org', 'ftp://x.org'])
      expect(oneProblem({ CORS_ORIGINS: bad })).toMatch(
        /^CORS_ORIGINS=.*: must list exact origins/,
      );
  });

  it('reads RATE_LIMIT_PER_MINUTE, 0 meaning off', () => {
    expect(loadAppConfig({ RATE_LIMIT_PER_MINUTE: '0' }).rateLimitPerMinute).toBe(0);
    expect(oneProblem({ RATE_LIMIT_PER_MINUTE: '-1' })).toMatch(/^RATE_LIMIT_PER_MINUTE="-1": /);
  });
});

describe('loadAppConfigOrExit', () => {
  it('prints one line per bad variable to stderr and exits 1, without a stack trace', () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${String(code)}`);
    });
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(() => loadAppConfigOrExit({ PORT: 'abc', EMBEDDED_WORKERS: 'ture' })).toThrow(
        'exit 1',
      );
      expect(exit).toHaveBeenCalledWith(1);
      expect(error).toHaveBeenCalledTimes(1);
      const printed = String(error.mock.calls[0][0]);
      expect(printed.split('\n')).toEqual([
        'PORT="abc": must be a whole number from 0 to 65535, in digits only',
        'EMBEDDED_WORKERS="ture": must be true or false (or 1/0, yes/no)',
      ]);
      expect(printed).not.toMatch(/\n\s+at /);
    } finally {
      exit.mockRestore();
      error.mockRestore();
    }
  });

  it('returns the config when it is valid', () => {
    expect(loadAppConfigOrExit({ PORT: '4000' }).port).toBe(4000);
  });
});

describe('ConfigModule.forRoot({ validate })', () => {
  it('validates with the same schema and serves the typed config under "app"', async () => {
    const envFile = file('good.env', 'PORT=4100\nEMBEDDED_WORKERS=no\n');
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({ envFilePath: envFile, validatePredefined: false, validate }),
      ],
    }).compile();
    const config = appConfigOf(moduleRef.get<TypedConfigService>(ConfigService));
    expect([config.port, config.embeddedWorkers, config.host]).toEqual([4100, false, '127.0.0.1']);
  });

  it('refuses a bad environment with the same lines', async () => {
    const envFile = file('bad.env', 'PORT=abc\n');
    await expect(
      ConfigModule.forRoot({ envFilePath: envFile, validatePredefined: false, validate }),
    ).rejects.toThrow(
      new ConfigError(['PORT="abc": must be a whole number from 0 to 65535, in digits only']),
    );
  });

  it('AppConfigModule.forRoot(config) serves a config loaded before Nest starts', async () => {
    const loaded = loadAppConfig({ PORT: '4200' });
    const moduleRef = await Test.createTestingModule({
      imports: [AppConfigModule.forRoot(loaded)],
    }).compile();
    expect(appConfigOf(moduleRef.get<TypedConfigService>(ConfigService))).toBe(loaded);
  });
});
