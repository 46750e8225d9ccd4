import Redis from 'ioredis';
import { WorkerHeartbeat } from '../../src/observability/worker-heartbeat.service';
import { CurrentTask, WorkerRegistry } from '../../src/observability/worker-registry';
import { RedisKeys } from '../../src/redis/redis-keys';
import { configService } from '../support/fakes';

/** Counts the heartbeat's writes (one MULTI each) and keeps the tasks each one recorded. */
class FakeRedis {
  readonly written: CurrentTask[][] = [];

  multi() {
    const tx = {
      set: (_key: string, json: string) => {
        this.written.push((JSON.parse(json) as { tasks: CurrentTask[] }).tasks);
        return tx;
      },
      zadd: () => tx,
      del: () => tx,
      zrem: () => tx,
      exec: () => Promise.resolve([]),
    };
    return tx;
  }
}

describe('WorkerHeartbeat', () => {
  afterEach(() => jest.useRealTimers());

  it('writes the starts and ends of tasks within 100 ms once, after them', async () => {
    jest.useFakeTimers();
    const redis = new FakeRedis();
    const registry = new WorkerRegistry();
    const tasks: CurrentTask[] = [];
    registry.serve({ queue: 'light-behaviors', isRunning: () => true, running: () => tasks });
    const heartbeat = new WorkerHeartbeat(
      redis as unknown as Redis, // only multi() is used
      new RedisKeys('p'),
      registry,
      configService({ WORKER_HEARTBEAT_MS: '60000' }),
    );
    heartbeat.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(0);
    expect(redis.written).toEqual([[]]); // the first beat, at start

    const task: CurrentTask = {
      task_id: 't1',
      deployment_id: 'd1',
      behavior: 'random_grouping',
      queue: 'light-behaviors',
      since: '2026-01-01T00:00:00.000Z',
    };
    tasks.push(task);
    registry.changed(); // started
    await jest.advanceTimersByTimeAsync(50);
    tasks.pop();
    registry.changed(); // ended, 50 ms later
    tasks.push({ ...task, task_id: 't2' });
    registry.changed(); // the next one started
    await jest.advanceTimersByTimeAsync(49);
    expect(redis.written).toHaveLength(1);

    await jest.advanceTimersByTimeAsync(1);
    expect(redis.written).toEqual([[], [{ ...task, task_id: 't2' }]]);

    // A later change is written again, 100 ms after it.
    tasks.pop();
    registry.changed();
    await jest.advanceTimersByTimeAsync(100);
    expect(redis.written).toEqual([[], [{ ...task, task_id: 't2' }], []]);
    await heartbeat.onApplicationShutdown();
  });
});
