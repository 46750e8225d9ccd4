import { randomUUID } from 'node:crypto';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { Deployment } from '../../src/deployments/deployment.types';
import { DeploymentsRepository } from '../../src/deployments/deployments.repository';
import { QueueName } from '../../src/queue/jobs';
import { RedisKeys } from '../../src/redis/redis-keys';
import { createDeployment, startTestApp, TestApp, testConfig, testRedisUrl } from '../support/app';

// A trigger creates its task from this process's last copy of the deployment without reading it
// first; the creation script refuses a copy that another process has since changed. Two API
// processes on one Redis (one key prefix), no workers: every async task stays queued, so the
// queues show exactly which jobs a trigger left behind.

describe('Triggers from a deployment another process has changed (two apps, real Redis)', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const config = testConfig({ EMBEDDED_WORKERS: 'false' });
    a = await startTestApp({}, config);
    b = await startTestApp({}, config);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  const trigger = (t: TestApp, d: string, body: Record<string, unknown>) =>
    t.http.post(`/api/page-deployments/${d}/behaviors/trigger`).send(body);
  const task = async (d: string, id: string) =>
    (await a.http.get(`/api/page-deployments/${d}/behaviors/tasks/${id}`).expect(200)).body as {
      behavior_type: string;
      state: string;
    };
  /** The ids of the jobs waiting in a queue, once any job being taken off it has gone. */
  const waiting = async (name: QueueName, expected: number): Promise<string[]> => {
    const queue = a.app.get<Queue>(getQueueToken(name));
    let ids: string[] = [];
    for (let i = 0; i < 100; i++) {
      ids = (await queue.getWaiting()).map((j) => j.id ?? '');
      if (ids.length <= expected) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    return ids.sort();
  };

  it('runs the behavior as it is now stored: an edit, a changed type, an added behavior, a deletion', async () => {
    // A creates it: A now holds its copy of the deployment.
    const d = await createDeployment(a, {
      '1': { type: 'theme_creator', config: { num_themes: 2 } },
      '2': { type: 'random_grouping', config: { group_size: 2 } },
    });
    // B edits behavior 1's config, turns behavior 2 into a heavy one and adds behavior 3.
    await b.http
      .patch(`/api/page-deployments/${d}`)
      .send({
        behaviors: {
          '1': { type: 'theme_creator', config: { num_themes: 3 } },
          '2': { type: 'group_assignment' },
          '3': { type: 'random_grouping' },
        },
      })
      .expect(200);
    // Behavior 1 is async in A's copy too: its first try sent a job behind a refused creation.
    const edited = await trigger(a, d, { behavior_number: '1' }).expect(202);
    expect(await waiting(QueueName.ThemeCreation, 1)).toEqual([edited.body.task_id]);
    // Behavior 2 is sync in A's copy, async as stored.
    const heavy = await trigger(a, d, { behavior_number: '2' }).expect(202);
    expect((await task(d, heavy.body.task_id)).behavior_type).toBe('group_assignment');
    expect(await waiting(QueueName.GroupAssignment, 1)).toEqual([heavy.body.task_id]);
    const added = await trigger(a, d, { behavior_number: '3' }).expect(200);
    expect(added.body).toMatchObject({ behavior_number: '3', success: true });

    // B deletes it: A answers 404, as it would had it never seen the deployment.
    await b.http.delete(`/api/page-deployments/${d}`).expect(204);
    const gone = await trigger(a, d, { behavior_number: '3' }).expect(404);
    expect(gone.body.message).toBe(`Deployment ${d} not found`);
  });

  it('leaves one job per task on the queue when async triggers are refused with 409', async () => {
    const d = await createDeployment(a, { '1': { type: 'group_assignment' } });
    const first = await trigger(a, d, { behavior_number: '1' }).expect(202);
    for (let i = 0; i < 5; i++) {
      const refused = await trigger(a, d, { behavior_number: '1' }).expect(409);
      expect(refused.body).toMatchObject({ task_id: first.body.task_id });
    }
    expect(await waiting(QueueName.GroupAssignment, 1)).toEqual([first.body.task_id]);
    expect((await task(d, first.body.task_id)).state).toBe('PENDING');
  });
});

describe('Deployment snapshots (repository, real Redis)', () => {
  let redis: Redis;
  let keys: RedisKeys;
  let repo: DeploymentsRepository;
  beforeAll(() => {
    redis = new Redis(testRedisUrl());
  });
  afterAll(async () => {
    await redis.quit();
  });
  beforeEach(() => {
    keys = new RedisKeys(`snap-${randomUUID().slice(0, 8)}`);
    repo = new DeploymentsRepository(redis, keys);
  });

  const deployment = (title: string): Deployment => ({
    id: randomUUID(),
    title,
    behaviors: { '1': { type: 'random_grouping', config: { group_size: 2 } } },
    owners: [],
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
  });
  /** The SHA-1 the creation script computes of the stored JSON. */
  const storedSha1 = (id: string) =>
    redis.eval("return redis.sha1hex(redis.call('GET', KEYS[1]))", 1, keys.deployment(id));

  it('fingerprints the stored bytes as Redis does, whatever the characters', async () => {
    const d = deployment('Équipe 🌍 «énergie» \u2028 "quoted"');
    await repo.save(d);
    expect(repo.cachedSnapshot(d.id)?.sha1).toBe(await storedSha1(d.id));
    const read = await repo.snapshot(d.id);
    expect(read?.sha1).toBe(await storedSha1(d.id));
    expect(read?.deployment.title).toBe(d.title);
  });

  it('keeps the copy it wrote last, forgets a deleted one, and does not keep a large one', async () => {
    const d = deployment('first');
    await repo.save(d);
    const edited = { ...d, title: 'second' };
    await repo.save(edited, d);
    expect(repo.cachedSnapshot(d.id)?.deployment.title).toBe('second');
    expect(repo.cachedSnapshot(d.id)?.sha1).toBe(await storedSha1(d.id));

    await repo.delete(edited);
    expect(repo.cachedSnapshot(d.id)).toBeUndefined();
    expect(await repo.snapshot(d.id)).toBeNull();

    const large = deployment('x'.repeat(70_000));
    await repo.save(large);
    expect(repo.cachedSnapshot(large.id)).toBeUndefined();
    expect((await repo.snapshot(large.id))?.sha1).toBe(await storedSha1(large.id));
  });

  it('drops its copy once a read finds the deployment grown too large to keep', async () => {
    const d = deployment('small');
    await repo.save(d);
    expect(repo.cachedSnapshot(d.id)).toBeDefined();
    // Another process makes it large.
    await redis.set(keys.deployment(d.id), JSON.stringify({ ...d, title: 'y'.repeat(70_000) }));
    const read = await repo.snapshot(d.id);
    expect(read?.deployment.title).toHaveLength(70_000);
    expect(repo.cachedSnapshot(d.id)).toBeUndefined();
  });
});
