import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { REDIS } from '../redis/redis.module';
import { RedisKeys } from '../redis/redis-keys';
import { HistoryEntry, StoredVariable } from '../tasks/task.types';

/** Reads what finished runs left for later pages (written by the task store's finish script). */
@Injectable()
export class OutputsRepository {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async variables(deploymentId: string): Promise<StoredVariable[]> {
    const raw = await this.redis.hgetall(this.keys.variables(deploymentId));
    return Object.values(raw)
      .map((v) => JSON.parse(v) as StoredVariable)
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async variable(deploymentId: string, name: string): Promise<StoredVariable | null> {
    const raw = await this.redis.hget(this.keys.variables(deploymentId), name);
    return raw === null ? null : (JSON.parse(raw) as StoredVariable);
  }

  /** Newest first. */
  async history(deploymentId: string, limit: number): Promise<HistoryEntry[]> {
    const raw = await this.redis.lrange(this.keys.history(deploymentId), 0, limit - 1);
    return raw.map((r) => JSON.parse(r) as HistoryEntry);
  }
}
