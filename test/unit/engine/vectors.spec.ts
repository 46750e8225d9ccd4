import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { providerEmbedder } from '../../../src/engine/vectors/embedder';
import { EmbeddingProvider } from '../../../src/engine/vectors/providers';
import { RedisVectorCache } from '../../../src/execution/runner/redis-vector-cache';
import { BehaviorRunner } from '../../../src/execution/runner/behavior-runner';
import { analyzeTexts } from '../../../src/engine/text/analyze';
import { CLASS } from '../../fixtures/class-answers';
import { testRedisUrl } from '../../support/app';
import { groupConfig } from '../../support/engine';

/** A provider that counts what it is asked to embed. */
class CountingProvider implements EmbeddingProvider {
  readonly dimension = 4;
  readonly batchSize = 5;
  embedded: string[] = [];
  constructor(readonly id: string) {}
  embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.embedded.push(...texts);
    return Promise.resolve(texts.map((t) => Float32Array.from([t.length, t.charCodeAt(0), 1, 2])));
  }
}

const noop = () => undefined;

describe('vector cache in Redis', () => {
  let redis: Redis;
  let prefix: string;
  beforeAll(() => {
    redis = new Redis(testRedisUrl());
    prefix = `t-${randomUUID().slice(0, 8)}:emb`;
  });
  afterAll(async () => redis.quit());

  const texts = CLASS.map((s) => s.text);
  const analyses = analyzeTexts(texts, noop);

  it('embeds each distinct text once, then serves it from the cache, per provider', async () => {
    const provider = new CountingProvider('counting-a');
    const embed = providerEmbedder(
      provider,
      new RedisVectorCache(redis, (id) => `${prefix}:${id}`),
    );
    const doubled = [...texts, ...texts.slice(0, 5)];
    const first = await embed(
      doubled,
      analyzeTexts(doubled, noop),
      new AbortController().signal,
      noop,
    );
    expect(provider.embedded).toHaveLength(texts.length); // duplicates embedded once
    expect(first.matrix.n).toBe(doubled.length);
    const second = await embed(texts, analyses, new AbortController().signal, noop);
    expect(provider.embedded).toHaveLength(texts.length); // nothing new
    expect(Array.from(second.matrix.data)).toEqual(
      Array.from(first.matrix.data.subarray(0, texts.length * 4)),
    );
    const other = new CountingProvider('counting-b');
    await providerEmbedder(other, new RedisVectorCache(redis, (id) => `${prefix}:${id}`))(
      texts,
      analyses,
      new AbortController().signal,
      noop,
    );
    expect(other.embedded).toHaveLength(texts.length); // another provider's vectors are not reused
  });

  it('waits for a client still making its first connection, so a first run stores and counts', async () => {
    // As a runner thread's client: no offline queue, used right after it was made.
    const fresh = new Redis(testRedisUrl(), { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    const lookups: [number, number][] = [];
    try {
      const cache = new RedisVectorCache(
        fresh,
        (id) => `${prefix}:fresh:${id}`,
        100,
        (h, m) => lookups.push([h, m]),
      );
      expect(fresh.status).not.toBe('ready');
      expect(await cache.get('p', ['one', 'two'])).toEqual([null, null]);
      await cache.set('p', ['one'], [Float32Array.from([1, 2])]);
      expect(Array.from((await cache.get('p', ['one']))[0] ?? [])).toEqual([1, 2]);
      expect(lookups).toEqual([
        [0, 2],
        [1, 0],
      ]);
    } finally {
      fresh.disconnect();
    }
  });

  it('keeps at most its budget of vectors per provider, dropping the oldest', async () => {
    const cache = new RedisVectorCache(redis, (id) => `${prefix}:${id}`, 5);
    const vec = (i: number) => new Float32Array([i, i + 1]);
    const first = ['a1', 'a2', 'a3', 'a4'];
    await cache.set(
      'bounded',
      first,
      first.map((_, i) => vec(i)),
    );
    await new Promise((r) => setTimeout(r, 5)); // a later insertion time for the second batch
    const second = ['b1', 'b2', 'b3'];
    await cache.set(
      'bounded',
      second,
      second.map((_, i) => vec(i)),
    );
    // The newer batch stays whole; two of the older one (stored at the same moment) go.
    expect((await cache.get('bounded', second)).every((v) => v !== null)).toBe(true);
    expect((await cache.get('bounded', first)).filter((v) => v !== null)).toHaveLength(2);
    expect(await redis.zcard(cache.index('bounded'))).toBe(5);
    expect(await redis.keys(`${prefix}:bounded:*`)).toHaveLength(5);
  });

  it('reports how many texts have vectors as batches finish, cached ones first', async () => {
    const cache = new RedisVectorCache(redis, (id) => `${prefix}:${id}`);
    const warm = new CountingProvider('counting-progress');
    await providerEmbedder(warm, cache)(
      texts.slice(0, 10),
      analyses.slice(0, 10),
      new AbortController().signal,
      noop,
    );
    const reports: [number, number][] = [];
    await providerEmbedder(new CountingProvider('counting-progress'), cache)(
      texts,
      analyses,
      new AbortController().signal,
      noop,
      (done, total) => reports.push([done, total]),
    );
    expect(reports[0]).toEqual([10, texts.length]); // the cached ones count at once
    expect(reports.at(-1)).toEqual([texts.length, texts.length]);
    const dones = reports.map(([done]) => done);
    expect(dones).toEqual([...dones].sort((a, b) => a - b));
    expect(new Set(dones).size).toBeGreaterThanOrEqual(3); // moves batch by batch
  });

  it('still embeds when the cache is unreachable', async () => {
    const dead = new Redis({
      port: 1,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    dead.on('error', noop);
    const provider = new CountingProvider('counting-c');
    const r = await providerEmbedder(
      provider,
      new RedisVectorCache(dead, (id) => `${prefix}:${id}`),
    )(texts, analyses, new AbortController().signal, noop);
    expect(r.fallback).toBeNull();
    expect(provider.embedded).toHaveLength(texts.length);
    dead.disconnect();
  });
});

describe('the default model (USE lite, shipped in its npm package)', () => {
  it('runs in a runner thread, with no network, and caches its vectors in Redis', async () => {
    const keyPrefix = `t-${randomUUID().slice(0, 8)}`;
    const runner = new BehaviorRunner({
      threads: 1,
      softLimitMs: 120_000,
      hardLimitMs: 180_000,
      cancelGraceMs: 1000,
      settings: {
        embeddingProvider: 'model',
        redisUrl: testRedisUrl(),
        keyPrefix,
      },
    });
    try {
      const students = CLASS.slice(0, 12);
      const r = await runner.run(
        'group_assignment',
        groupConfig({ grouping_method: 'homogeneous', group_size: 3 }),
        students,
      );
      expect(r.metadata.embedding_fallback).toBeNull();
      expect(r.metadata.embedding_provider).toBe('use-lite-512');
      expect(Object.values(r.groups).flat().sort()).toEqual(students.map((s) => s.name).sort());
      const redis = new Redis(testRedisUrl());
      const keys = await redis.keys(`${keyPrefix}:emb:use-lite-512:*`);
      await redis.quit();
      expect(keys).toHaveLength(12);
    } finally {
      await runner.close();
    }
  }, 120_000);

  it('puts answers on the same topic closer than answers on different topics', async () => {
    const { UseLiteProvider } = await import('../../../src/engine/vectors/use-lite/provider');
    const provider = new UseLiteProvider();
    const [solar, battery, dog] = await provider.embed(
      [
        'Solar panels on every roof would cut our bills.',
        'Home batteries store power from the sun.',
        'My dog loves long walks in the park.',
      ],
      new AbortController().signal,
    );
    const cos = (a: Float32Array, b: Float32Array) => {
      let ab = 0,
        aa = 0,
        bb = 0;
      for (let i = 0; i < a.length; i++) {
        ab += a[i] * b[i];
        aa += a[i] * a[i];
        bb += b[i] * b[i];
      }
      return ab / Math.sqrt(aa * bb);
    };
    expect(solar).toHaveLength(512);
    expect(cos(solar, battery)).toBeGreaterThan(cos(solar, dog) + 0.1);
  }, 60_000);
});
