import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import { REDIS } from '../redis/redis.module';
import { RedisKeys } from '../redis/redis-keys';
import { Deployment, StoredSubmission } from './deployment.types';

/** Deployments stored before access control have no owners: admins only. */
function parseDeployment(raw: string): Deployment {
  const d = JSON.parse(raw) as Omit<Deployment, 'owners'> & { owners?: string[] };
  return { ...d, owners: d.owners ?? [] };
}

/**
 * A deployment as this process last read or wrote it, with the SHA-1 of its stored JSON: a task
 * is created from it only if the stored JSON still has that SHA-1 (lua/create.lua in tasks).
 */
export interface DeploymentSnapshot {
  deployment: Deployment;
  sha1: string;
}

/** The SHA-1 of the bytes as stored, as create.lua computes it with `redis.sha1hex`. */
function snapshotOf(raw: Buffer): DeploymentSnapshot {
  return {
    deployment: parseDeployment(raw.toString('utf8')),
    sha1: createHash('sha1').update(raw).digest('hex'),
  };
}

/**
 * Snapshots kept for triggers, so that a trigger sends its task's creation at once instead of
 * waiting on a read first. Bounded in count and in the JSON bytes they came from; a large
 * deployment is not kept.
 */
const SNAPSHOTS_MAX = 10_000;
const SNAPSHOTS_MAX_BYTES = 16 * 1024 * 1024;
const SNAPSHOT_MAX_BYTES = 64 * 1024;

/**
 * JSON parsed between two turns of the event loop: parsing runs at a few hundred MB/s, so a
 * million characters holds the loop for a few ms (the same bound as a part of a class sent to a
 * runner thread).
 */
const PARSE_SLICE_CHARS = 1_000_000;

/** `written` with the new total, `over_limit` with the total it would have made, or `missing`. */
export interface UpsertOutcome {
  kind: 'written' | 'over_limit' | 'missing';
  total: number;
}

interface SubmissionScripts {
  upsertSubmissions(...args: (string | number)[]): Promise<[number, number]>;
}

/** Deployments and their students in Redis, the store every API and worker process shares. */
@Injectable()
export class DeploymentsRepository {
  private readonly redis: Redis & SubmissionScripts;
  private readonly snapshots = new LRUCache<string, DeploymentSnapshot & { bytes: number }>({
    max: SNAPSHOTS_MAX,
    maxSize: SNAPSHOTS_MAX_BYTES,
    sizeCalculation: (s) => s.bytes,
  });

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    // The script's guarantees are written at the top of its file in ./lua.
    if (!('upsertSubmissions' in redis)) {
      const lua = readFileSync(join(__dirname, 'lua', 'upsert-submissions.lua'), 'utf8');
      redis.defineCommand('upsertSubmissions', { numberOfKeys: 2, lua });
    }
    this.redis = redis as Redis & SubmissionScripts;
  }

  /**
   * Stores the deployment and keeps the indexes in step: the global one and one per owner
   * (`previous` is the stored version, whose dropped owners lose it from their index).
   */
  async save(d: Deployment, previous: Deployment | null = null): Promise<void> {
    const score = Date.parse(d.created_at);
    const raw = Buffer.from(JSON.stringify(d), 'utf8');
    const tx = this.redis
      .multi()
      .set(this.keys.deployment(d.id), raw)
      .zadd(this.keys.deploymentIndex(), 'NX', score, d.id);
    for (const owner of d.owners) tx.zadd(this.keys.ownerIndex(owner), 'NX', score, d.id);
    for (const owner of previous?.owners ?? [])
      if (!d.owners.includes(owner)) tx.zrem(this.keys.ownerIndex(owner), d.id);
    this.snapshots.delete(d.id);
    await tx.exec();
    this.remember(d.id, raw);
  }

  async get(id: string): Promise<Deployment | null> {
    const raw = await this.redis.get(this.keys.deployment(id));
    return raw === null ? null : parseDeployment(raw);
  }

  /** Reads the deployment as it is stored now, and keeps the snapshot for `cachedSnapshot`. */
  async snapshot(id: string): Promise<DeploymentSnapshot | null> {
    const raw = await this.redis.getBuffer(this.keys.deployment(id));
    if (raw === null) {
      this.snapshots.delete(id);
      return null;
    }
    return this.remember(id, raw);
  }

  /**
   * The last snapshot this process read or wrote, without asking Redis: it may be stale (another
   * process may have edited the deployment since), which only a task's creation can tell.
   */
  cachedSnapshot(id: string): DeploymentSnapshot | undefined {
    return this.snapshots.get(id);
  }

  private remember(id: string, raw: Buffer): DeploymentSnapshot {
    const snapshot = snapshotOf(raw);
    // A deployment that has grown too large drops the copy kept of it when it was small.
    if (raw.length <= SNAPSHOT_MAX_BYTES)
      this.snapshots.set(id, { ...snapshot, bytes: raw.length });
    else this.snapshots.delete(id);
    return snapshot;
  }

  /**
   * Oldest first, so pages stay stable while new deployments are added: all of them, or those
   * `owner` owns (from their index, not a scan).
   */
  async page(
    offset: number,
    limit: number,
    owner: string | null = null,
  ): Promise<{ items: Deployment[]; total: number }> {
    const index = owner === null ? this.keys.deploymentIndex() : this.keys.ownerIndex(owner);
    const [ids, total] = await Promise.all([
      this.redis.zrange(index, offset, offset + limit - 1),
      this.redis.zcard(index),
    ]);
    if (ids.length === 0) return { items: [], total };
    const raws = await this.redis.mget(...ids.map((id) => this.keys.deployment(id)));
    const items = raws.filter((r): r is string => r !== null).map(parseDeployment);
    return { items, total };
  }

  /** Removes the deployment and everything stored under it (students, outputs, history). */
  async delete(d: Deployment): Promise<void> {
    this.snapshots.delete(d.id);
    const locks = Object.keys(d.behaviors).map((n) => this.keys.behaviorLock(d.id, n));
    const tx = this.redis
      .multi()
      .unlink(
        this.keys.deployment(d.id),
        this.keys.submissions(d.id),
        this.keys.variables(d.id),
        this.keys.history(d.id),
        ...locks,
      )
      .zrem(this.keys.deploymentIndex(), d.id);
    for (const owner of d.owners) tx.zrem(this.keys.ownerIndex(owner), d.id);
    await tx.exec();
  }

  /**
   * Upserts students (names unique) only if the deployment then holds at most `limit`: counting
   * the new names and writing is one step (`lua/upsert-submissions.lua`), so parallel requests
   * cannot together pass the limit.
   */
  async upsertSubmissions(
    deploymentId: string,
    subs: StoredSubmission[],
    limit: number,
  ): Promise<UpsertOutcome> {
    const args = subs.flatMap((s) => [s.name, JSON.stringify(s)]);
    const [code, total] = await this.redis.upsertSubmissions(
      this.keys.deployment(deploymentId),
      this.keys.submissions(deploymentId),
      limit,
      ...args,
    );
    return { kind: code === 1 ? 'written' : code === 0 ? 'over_limit' : 'missing', total };
  }

  async countSubmissions(deploymentId: string): Promise<number> {
    return this.redis.hlen(this.keys.submissions(deploymentId));
  }

  /**
   * Parsed in slices with a turn of the event loop between them: a class at the limit is ~60 MB
   * of JSON, one synchronous parse of which would hold up everything else on this loop (a cancel
   * for a task about to run, lock renewals, HTTP requests) for tens of ms. A usual class is one
   * slice and never yields.
   */
  async allSubmissions(deploymentId: string): Promise<StoredSubmission[]> {
    const raw = Object.values(await this.redis.hgetall(this.keys.submissions(deploymentId)));
    const all: StoredSubmission[] = [];
    let sliceChars = 0;
    for (const v of raw) {
      if (sliceChars >= PARSE_SLICE_CHARS) {
        sliceChars = 0;
        await yieldToLoop();
      }
      all.push(JSON.parse(v) as StoredSubmission);
      sliceChars += v.length;
    }
    return all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * The class as stored, for a run: each student's JSON as bytes, ordered by name as
   * `allSubmissions` orders them. Nothing is parsed here: the runner thread does that (see
   * `StoredClass`). Read as buffers, so no answer enters this heap as a string.
   */
  async storedClass(deploymentId: string): Promise<Uint8Array[]> {
    const hash = await this.redis.hgetallBuffer(this.keys.submissions(deploymentId));
    return Object.entries(hash)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, json]) => json);
  }

  async removeSubmission(deploymentId: string, name: string): Promise<boolean> {
    return (await this.redis.hdel(this.keys.submissions(deploymentId), name)) === 1;
  }
}
