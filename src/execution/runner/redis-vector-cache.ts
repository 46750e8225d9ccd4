import Redis from 'ioredis';
import { textHash, VectorCache } from '../../engine/vectors/vector-cache';

const TTL_SECONDS = 30 * 86_400;

/**
 * One Redis string per (provider, text hash) holding the raw Float32 bytes, kept 30 days. The
 * cache is an optimisation: when Redis fails, vectors are simply computed again.
 */
export class RedisVectorCache implements VectorCache {
  constructor(
    private readonly redis: Redis,
    /** Where a provider's vectors live, e.g. `br:emb:use-lite-512`. */
    private readonly providerKey: (providerId: string) => string,
  ) {}

  private key(providerId: string, text: string): string {
    return `${this.providerKey(providerId)}:${textHash(text)}`;
  }

  async get(providerId: string, texts: readonly string[]): Promise<(Float32Array | null)[]> {
    if (texts.length === 0) return [];
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
    return out;
  }

  async set(
    providerId: string,
    texts: readonly string[],
    vectors: readonly Float32Array[],
  ): Promise<void> {
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
      }
      await pipeline.exec();
    }
  }
}
