import Redis from 'ioredis';
import { ChatClient, OpenAiChatClient } from '../../engine/llm/chat-client';
import { Embedder, lexicalEmbedder, providerEmbedder } from '../../engine/vectors/embedder';
import { OpenAiEmbeddingProvider } from '../../engine/vectors/providers';
import { UseLiteProvider } from '../../engine/vectors/use-lite/provider';
import { helperLanes } from './embedding-lanes';
import { RedisVectorCache } from './redis-vector-cache';
import { RedisKeys } from '../../redis/redis-keys';
import { redisOptionsFromUrl } from '../../config/redis-url';
import { ThreadSettings } from './protocol';

export interface ThreadServices {
  embed: Embedder;
  llm: ChatClient | null;
}

const EMBEDDING_TIMEOUT_MS = 60_000;

/** What a runner thread gives its behaviors, built once per thread from its settings. */
export function threadServices(
  settings: ThreadSettings,
  onCacheLookup: (hits: number, misses: number) => void = () => undefined,
): ThreadServices {
  let cache: RedisVectorCache | null = null;
  if (settings.redisUrl && settings.keyPrefix && settings.embeddingProvider !== 'lexical') {
    const keys = new RedisKeys(settings.keyPrefix);
    const redis = new Redis({
      ...redisOptionsFromUrl(settings.redisUrl, settings.redisTlsCa),
      connectionName: 'vector-cache',
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: false,
    });
    // The cache is optional: errors only mean vectors are computed again.
    redis.on('error', () => undefined);
    cache = new RedisVectorCache(
      redis,
      (provider) => keys.embeddingCache(provider),
      settings.cacheMaxKeys ?? 50_000,
      onCacheLookup,
    );
  }
  let embed: Embedder = lexicalEmbedder;
  if (settings.embeddingProvider === 'model') {
    embed = providerEmbedder(new UseLiteProvider(helperLanes()), cache);
  } else if (settings.embeddingProvider === 'openai' && settings.embeddingEndpoint) {
    embed = providerEmbedder(
      new OpenAiEmbeddingProvider({
        ...settings.embeddingEndpoint,
        timeoutMs: EMBEDDING_TIMEOUT_MS,
      }),
      cache,
    );
  }
  return { embed, llm: settings.llm ? new OpenAiChatClient(settings.llm) : null };
}
