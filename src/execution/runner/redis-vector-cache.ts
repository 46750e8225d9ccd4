import Redis from 'ioredis';
import { textHash, VectorCache } from '../../engine/vectors/vector-cache';

const TTL_SECONDS = 30 * 86_400;

/**
 * Keeps a provider's cache within its budget: the index (a sorted set of text hashes by the
 * time they were stored) loses its oldest members, and their vectors go with them. Atomic, so
 * two threads trimming at once never drop more than the excess.
 * KEYS: 1 index. ARGV: 1 key prefix of the vectors, 2 most vectors to keep.
 */
const TRIM = `
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[2])
if excess <= 0 then return 0 end
local old = redis.call('ZRANGE', KEYS[1], 0, excess - 1)
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1)
for i = 1, #old do redis.call('UNLINK', ARGV[1] .. old[i]) end
return #old`;

/**
 * How long a lookup waits for a client that is still making its first connection. A runner
 * thread's client connects when the thread starts, and the thread's first run can come sooner
 * (a busy machine, a trigger right after start): without the wait that run neither finds nor
 * stores vectors (commands fail at once: no offline queue). A client that lost Redis is not
 * waited for: the cache is skipped, as before.
 */
const FIRST_CONNECT_WAIT_MS = 2_000;
const CONNECTING = new Set(['connecting', 'connect']);

interface TrimScript {
  vectorCacheTrim(index: string, prefix: string, maxKeys: number): Promise<number>;
}

/**
 * One Redis string per (provider, text hash) holding the raw Float32 bytes, kept 30 days and at
 * most `maxKeys` per provider, oldest dropped first, so the cache never fills the Redis that
 * holds tasks (or give it a Redis of its own with CACHE_REDIS_URL). The cache is an
 * optimisation: when Redis fails, vectors are simply computed again.
 */
export class RedisVectorCache implements VectorCache {
  private readonly redis: Redis & TrimScript;
  private firstConnectSettled = false;

  constructor(
    redis: Redis,
    /** Where a provider's vectors live, e.g. `br:emb:use-lite-512`. */
    private readonly providerKey: (providerId: string) => string,
    private readonly maxKeys = 50_000,
    /** Told how many texts each lookup found and missed (for the cache's hit metrics). */
    private readonly onLookup: (hits: number, misses: number) => void = () => undefined,
  ) {
    if (!('vectorCacheTrim' in redis))
      redis.defineCommand('vectorCacheTrim', { numberOfKeys: 1, lua: TRIM });
    this.redis = redis as Redis & TrimScript;
  }

  private async connected(): Promise<void> {
    if (this.firstConnectSettled || !CONNECTING.has(this.redis.status)) return;
    const redis = this.redis;
    await new Promise<void>((resolve) => {
      // Ready, or the first attempt failed (then the cache is skipped until Redis is back).
      const done = () => {
        clearTimeout(timer);
        for (const event of ['ready', 'error', 'close', 'end']) redis.off(event, done);
        this.firstConnectSettled = true;
        resolve();
      };
      const timer = setTimeout(done, FIRST_CONNECT_WAIT_MS).unref();
      for (const event of ['ready', 'error', 'close', 'end']) redis.once(event, done);
    });
  }

  private key(providerId: string, text: string): string {
    return `${this.providerKey(providerId)}:${textHash(text)}`;
  }

  /** The sorted set of a provider's stored text hashes, by when they were stored. */
  index(providerId: string): string {
    return `${this.providerKey(providerId)}#index`;
  }

  async get(providerId: string, texts: readonly string[]): Promise<(Float32Array | null)[]> {
    if (texts.length === 0) return [];
    await this.connected();
    const out: (Float32Array | null)[] = [];
    for (let i = 0; i < texts.length; i += 1000) {
      const chunk = texts.slice(i, i + 1000);
      const raw = await this.redis.mgetBuffer(...chunk.map((t) => this.key(providerId, t)));
      for (const b of raw) {
        out.push(
          b === null || b.byteLength % 4 !== 0
            ? null
            : new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)),
        );
      }
    }
    const hits = out.reduce((n, v) => (v === null ? n : n + 1), 0);
    this.onLookup(hits, out.length - hits);
    return out;
  }

  async set(
    providerId: string,
    texts: readonly string[],
    vectors: readonly Float32Array[],
  ): Promise<void> {
    if (this.maxKeys === 0) return;
    await this.connected();
    const now = Date.now();
    for (let i = 0; i < texts.length; i += 1000) {
      const pipeline = this.redis.pipeline();
      for (let j = i; j < Math.min(texts.length, i + 1000); j++) {
        const v = vectors[j];
        pipeline.set(
          this.key(providerId, texts[j]),
          Buffer.from(v.buffer, v.byteOffset, v.byteLength),
          'EX',
          TTL_SECONDS,
        );
        pipeline.zadd(this.index(providerId), now, textHash(texts[j]));
      }
      await pipeline.exec();
    }
    await this.redis.vectorCacheTrim(
      this.index(providerId),
      `${this.providerKey(providerId)}:`,
      this.maxKeys,
    );
  }
}
