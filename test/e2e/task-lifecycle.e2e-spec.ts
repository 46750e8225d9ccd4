import { createHash, randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { BehaviorFailure } from '../../src/engine/errors';
import { RedisKeys } from '../../src/redis/redis-keys';
import { NewTask, SuccessOutput, TaskLifecycle } from '../../src/tasks/task-lifecycle.service';
import { LeaseReaper } from '../../src/tasks/lease-reaper.service';
import { TaskStore } from '../../src/tasks/task.store';
import { toTaskStatus } from '../../src/tasks/task-status.mapper';
import { HistoryEntry, TaskRecord } from '../../src/tasks/task.types';
import { testRedisUrl } from '../support/app';
import { configService } from '../support/fakes';

// The guarantees written at the top of src/tasks/lua/*.lua, checked against a real Redis: the
// scripts, not the TypeScript around them, are what keep two processes from both winning.

const RETENTION_S = 600;

describe('TaskLifecycle scripts (real Redis)', () => {
  let redis: Redis;
  let keys: RedisKeys;
  let lifecycle: TaskLifecycle;
  let store: TaskStore;

  beforeAll(() => {
    redis = new Redis(testRedisUrl());
  });
  afterAll(async () => {
    await redis.quit();
  });
  /** The stored deployment 'd1' the tasks belong to, and the SHA-1 of its JSON. */
  const DEPLOYMENT = JSON.stringify({ id: 'd1', title: 't', behaviors: {} });
  const SHA1 = createHash('sha1').update(DEPLOYMENT).digest('hex');
  beforeEach(async () => {
    keys = new RedisKeys(`tl-${randomUUID().slice(0, 8)}`);
    await redis.set(keys.deployment('d1'), DEPLOYMENT);
    lifecycle = new TaskLifecycle(
      redis,
      keys,
      configService({ TASK_RETENTION_SECONDS: String(RETENTION_S) }),
    );
    store = new TaskStore(redis, keys);
  });

  const newTask = (id: string, behaviorNumber = '1'): NewTask => ({
    id,
    deployment_id: 'd1',
    behavior_number: behaviorNumber,
    behavior_type: 'random_grouping',
    mode: 'async',
  });
  const lockKey = (behaviorNumber = '1') => keys.behaviorLock('d1', behaviorNumber);
  const record = async (id: string): Promise<TaskRecord> => {
    const r = await store.get(id);
    if (r === null) throw new Error(`task ${id} is gone`);
    return r;
  };
  const history = async (): Promise<HistoryEntry[]> =>
    (await redis.lrange(keys.history('d1'), 0, -1)).map((h) => JSON.parse(h) as HistoryEntry);
  const success: SuccessOutput = {
    result: '{"success":true,"groups":{}}',
    variable: { name: 'group_1', value: '{"name":"group_1"}' },
    groupsCreated: 0,
    themesCreated: null,
  };

  describe('the per-behavior lock', () => {
    it('refuses a second task while the holder is queued, then running, naming the holder', async () => {
      expect(await lifecycle.create(newTask('a'), SHA1)).toEqual({ created: true });
      expect(await lifecycle.create(newTask('b'), SHA1)).toEqual({ created: false, holder: 'a' });
      expect((await lifecycle.start('a', 'd1', Date.now() + 30_000)).outcome).toBe('ok');
      expect(await lifecycle.create(newTask('c'), SHA1)).toEqual({ created: false, holder: 'a' });

      // The refused tasks left nothing behind.
      expect(await store.get('b')).toBeNull();
      expect(await store.get('c')).toBeNull();
      expect(await redis.smembers(keys.deploymentTasks('d1'))).toEqual(['a']);
      expect(await redis.get(lockKey())).toBe('a');
      // Another behavior of the same deployment has its own lock.
      expect(await lifecycle.create(newTask('d', '2'), SHA1)).toEqual({ created: true });
    });

    it('creates nothing from a stale deployment: edited or deleted since it was read', async () => {
      await redis.set(keys.deployment('d1'), JSON.stringify({ id: 'd1', title: 'edited' }));
      expect(await lifecycle.create(newTask('a'), SHA1)).toEqual({ created: false, stale: true });
      await redis.del(keys.deployment('d1'));
      expect(await lifecycle.create(newTask('b'), SHA1)).toEqual({ created: false, stale: true });

      expect(await store.get('a')).toBeNull();
      expect(await store.get('b')).toBeNull();
      expect(await redis.exists(lockKey(), keys.deploymentTasks('d1'))).toBe(0);
    });

    it('answers created again when the same task is sent again (a client re-sending after a reconnect)', async () => {
      expect(await lifecycle.create(newTask('a'), SHA1)).toEqual({ created: true });
      expect(await lifecycle.create(newTask('a'), SHA1)).toEqual({ created: true });
      expect(await redis.smembers(keys.deploymentTasks('d1'))).toEqual(['a']);
      expect((await record('a')).lifecycle).toBe('queued');
    });

    it("drops expired tasks' ids from the deployment's set as new tasks come, never a live one", async () => {
      // 1,000 ids whose records have expired, as a year of triggers would leave behind.
      const expired = Array.from({ length: 1000 }, (_, i) => `gone-${i}`);
      await redis.sadd(keys.deploymentTasks('d1'), ...expired);
      const live: string[] = [];
      for (let b = 1; b <= 200; b++) {
        live.push(`live-${b}`);
        expect(await lifecycle.create(newTask(`live-${b}`, String(b)), SHA1)).toEqual({
          created: true,
        });
      }
      const members = new Set(await redis.smembers(keys.deploymentTasks('d1')));
      for (const id of live) expect(members.has(id)).toBe(true);
      // Two random members checked per creation: about 300 of the 1,000 go (a run removing
      // fewer than 100 is far less likely than one in a billion).
      const left = expired.filter((id) => members.has(id)).length;
      expect(left).toBeLessThan(900);
      expect(await store.unfinishedTaskIds('d1')).toHaveLength(200);
    });

    it('skips the deployment check for an empty SHA-1 (the last, unchecked try of a trigger)', async () => {
      await redis.set(keys.deployment('d1'), JSON.stringify({ id: 'd1', title: 'edited' }));
      expect(await lifecycle.create(newTask('a'), '')).toEqual({ created: true });
    });

    it('is taken over when its holder record expired or was deleted', async () => {
      await lifecycle.create(newTask('a'), SHA1);
      await redis.del(keys.task('a')); // what expiry or a lost write leaves: a dangling lock
      expect(await redis.get(lockKey())).toBe('a');

      expect(await lifecycle.create(newTask('b'), SHA1)).toEqual({ created: true });
      expect(await redis.get(lockKey())).toBe('b');
      expect((await record('b')).lifecycle).toBe('queued');
    });

    it('is taken over when its holder is terminal but the lock was never freed', async () => {
      await lifecycle.create(newTask('a'), SHA1);
      // A terminal holder still named by the lock (e.g. written before finish freed locks).
      await redis.hset(keys.task('a'), 'lifecycle', 'failed');

      expect(await lifecycle.create(newTask('b'), SHA1)).toEqual({ created: true });
      expect(await redis.get(lockKey())).toBe('b');
    });

    it('is freed by its holder finishing, so the next trigger is accepted', async () => {
      await lifecycle.create(newTask('a'), SHA1);
      expect(await lifecycle.fail(await record('a'), new BehaviorFailure('input', 'x'))).toBe('ok');
      expect(await redis.exists(lockKey())).toBe(0);
      expect(await lifecycle.create(newTask('b'), SHA1)).toEqual({ created: true });
    });

    it("is freed only by its own holder: another task's end leaves it alone", async () => {
      await lifecycle.create(newTask('a'), SHA1);
      await redis.set(lockKey(), 'someone-else');

      expect(await lifecycle.fail(await record('a'), new BehaviorFailure('crashed', 'x'))).toBe(
        'ok',
      );
      expect(await redis.get(lockKey())).toBe('someone-else');
    });
  });

  it('never lets progress go down, and moves only a running task', async () => {
    await lifecycle.create(newTask('a'), SHA1);
    await lifecycle.progress('a', 50, 'execution', 'Too early');
    expect((await record('a')).progress).toBe(0); // queued: not moved

    await lifecycle.start('a', 'd1', Date.now() + 30_000);
    expect((await record('a')).progress).toBe(10);
    await lifecycle.progress('a', 60, 'execution', 'Clustering');
    await lifecycle.progress('a', 40, 'execution', 'A late, lower update');
    expect(await record('a')).toMatchObject({
      progress: 60,
      stage: 'execution',
      status: 'Clustering',
    });
    await lifecycle.progress('a', 75, 'execution', 'Explaining');
    expect((await record('a')).progress).toBe(75);
  });

  it("refuses a success once a cancel was asked for ('cancel'), then records the cancel", async () => {
    await lifecycle.create(newTask('a'), SHA1);
    await lifecycle.start('a', 'd1', Date.now() + 30_000);
    expect(await lifecycle.requestCancel('a', 'Stop')).toBe('running');

    expect(await lifecycle.succeed(await record('a'), success)).toBe('cancel');
    expect(await record('a')).toMatchObject({ lifecycle: 'running', result: null });
    expect(await history()).toEqual([]);
    expect(await redis.hget(keys.variables('d1'), 'group_1')).toBeNull();

    expect(await lifecycle.fail(await record('a'), new BehaviorFailure('cancelled', 'Stop'))).toBe(
      'ok',
    );
    expect(await record('a')).toMatchObject({ lifecycle: 'cancelled', error_kind: 'cancelled' });
  });

  it('does not start a task with a pending cancel request', async () => {
    await lifecycle.create(newTask('a'), SHA1);
    expect(await lifecycle.requestCancel('a', 'Stop')).toBe('queued');
    expect((await lifecycle.start('a', 'd1', Date.now() + 30_000)).outcome).toBe('cancel');
    expect((await record('a')).lifecycle).toBe('queued');
  });

  it('keeps the first terminal write: later ends answer terminal and change nothing', async () => {
    await lifecycle.create(newTask('a'), SHA1);
    await lifecycle.start('a', 'd1', Date.now() + 30_000);
    const running = await record('a');

    expect(await lifecycle.fail(running, new BehaviorFailure('crashed', 'Boom'))).toBe('ok');
    expect(await lifecycle.succeed(running, success)).toBe('terminal');
    expect(await lifecycle.fail(running, new BehaviorFailure('cancelled', 'Late'))).toBe(
      'terminal',
    );
    expect((await lifecycle.start('a', 'd1', Date.now() + 30_000)).outcome).toBe('terminal');
    expect(await lifecycle.requestCancel('a', 'Late')).toBe('failed');

    expect(await record('a')).toMatchObject({
      lifecycle: 'failed',
      error: 'Boom',
      error_kind: 'crashed',
      result: null,
      cancel_reason: null,
    });
    expect((await history()).map((h) => h.outcome)).toEqual(['failed']);
    const ttl = await redis.ttl(keys.task('a'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(RETENTION_S);
  });

  it('records a success with its history row and output variable', async () => {
    await lifecycle.create(newTask('a'), SHA1);
    // The start counts the class it runs on.
    const students = Array.from({ length: 8 }, (_, i) => [`s${i}`, '{}']).flat();
    await redis.hset(keys.submissions('d1'), ...students);
    await lifecycle.start('a', 'd1', Date.now() + 30_000);
    expect(await record('a')).toMatchObject({ input_student_count: 8 });
    expect(await lifecycle.succeed(await record('a'), success)).toBe('ok');
    expect(await record('a')).toMatchObject({
      lifecycle: 'succeeded',
      progress: 100,
      result: success.result,
    });
    expect(await history()).toMatchObject([
      { task_id: 'a', success: true, input_student_count: 8 },
    ]);
    expect(await redis.hget(keys.variables('d1'), 'group_1')).toBe('{"name":"group_1"}');
  });

  it("answers 'missing' for a task that does not exist", async () => {
    const ghost = { ...newTask('ghost'), started_at: null, input_student_count: null };
    expect(await lifecycle.fail(ghost, new BehaviorFailure('crashed', 'x'))).toBe('missing');
    expect((await lifecycle.start('ghost', 'd1', Date.now() + 30_000)).outcome).toBe('missing');
  });

  it('does not start a task for a job that names another deployment', async () => {
    await lifecycle.create(newTask('a'), SHA1);
    expect((await lifecycle.start('a', 'd2', Date.now() + 30_000)).outcome).toBe('missing');
    expect(await record('a')).toMatchObject({ lifecycle: 'queued', attempt: 0 });
    expect(await lifecycle.requestCancel('ghost', 'x')).toBe('missing');
    expect(await redis.exists(keys.task('ghost'))).toBe(0);
  });

  describe('leases and attempts', () => {
    const soon = () => Date.now() + 30_000;

    it('numbers attempts; a re-run after a lost worker starts its progress over', async () => {
      await lifecycle.create(newTask('a'), SHA1);
      expect(await lifecycle.start('a', 'd1', soon())).toEqual({ outcome: 'ok', attempt: 1 });
      await lifecycle.progress('a', 70, 'execution', 'Clustering...');
      // The worker died without a word; BullMQ hands the job to another worker.
      expect(await lifecycle.start('a', 'd1', soon())).toEqual({ outcome: 'ok', attempt: 2 });
      expect(await record('a')).toMatchObject({ progress: 10, attempt: 2, lifecycle: 'running' });
      expect((await record('a')).status).toContain('attempt 2');
    });

    it('lets only the attempt that holds the task renew or requeue it', async () => {
      await lifecycle.create(newTask('a'), SHA1);
      await lifecycle.start('a', 'd1', Date.now() + 1000);
      await lifecycle.start('a', 'd1', Date.now() + 1000); // attempt 2 took over
      expect(await lifecycle.renew('a', 1, soon())).toBe(false);
      expect(await lifecycle.requeue('a', 1, 'late')).toBe('stale');
      expect(await lifecycle.renew('a', 2, soon())).toBe(true);
      expect((await record('a')).lease_until).toBeGreaterThan(Date.now() + 20_000);
    });

    it('puts a stopped attempt back to waiting, visibly, and a later start runs it again', async () => {
      await lifecycle.create(newTask('a'), SHA1);
      await lifecycle.start('a', 'd1', soon());
      await lifecycle.progress('a', 60, 'execution', 'Clustering...');
      expect(await lifecycle.requeue('a', 1, 'Waiting to be retried: worker stopped')).toBe('ok');
      const waiting = toTaskStatus(await record('a'));
      expect(waiting).toMatchObject({
        state: 'PENDING',
        stage: 'pending',
        progress: 0,
        status: 'Waiting to be retried: worker stopped',
      });
      expect(await redis.zscore(keys.leases(), 'a')).toBeNull();
      expect((await lifecycle.start('a', 'd1', soon())).attempt).toBe(2);
    });

    it('ends a synchronous run whose lease lapsed and frees its lock; leaves queue jobs to BullMQ', async () => {
      await lifecycle.create({ ...newTask('s', '1'), mode: 'sync' }, SHA1);
      await lifecycle.create({ ...newTask('q', '2'), mode: 'async' }, SHA1);
      await lifecycle.start('s', 'd1', Date.now() - 1);
      await lifecycle.start('q', 'd1', Date.now() - 1);
      // Read before any sweep: the lapsed sync run already reads as FAILURE.
      expect(toTaskStatus(await record('s'))).toMatchObject({ state: 'FAILURE', stage: 'failed' });
      expect(toTaskStatus(await record('q'))).toMatchObject({ state: 'PENDING', stage: 'pending' });

      const reaper = new LeaseReaper(store, lifecycle, configService());
      expect(await reaper.sweep()).toBe(1);
      expect(await record('s')).toMatchObject({ lifecycle: 'failed', error_kind: 'interrupted' });
      expect(await redis.get(lockKey('1'))).toBeNull();
      expect(await lifecycle.create({ ...newTask('s2', '1'), mode: 'sync' }, SHA1)).toEqual({
        created: true,
      });
      expect((await record('q')).lifecycle).toBe('running');
      expect(await redis.get(lockKey('2'))).toBe('q');
    });
  });
});
