import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { BehaviorFailure } from '../../src/engine/errors';
import { RedisKeys } from '../../src/redis/redis-keys';
import { TaskLifecycle } from '../../src/tasks/task-lifecycle.service';
import { HistoryEntry } from '../../src/tasks/task.types';
import { configService, fake, taskRecord } from '../support/fakes';

interface ScriptCall {
  command: string;
  keys: (string | number)[];
  argv: (string | number)[];
}

/**
 * A Redis client that knows only `defineCommand`: each defined script becomes a method that
 * logs its KEYS and ARGV (split by the script's own numberOfKeys, as Redis would) and answers
 * what the test set for it.
 */
class FakeScriptRedis implements Pick<Redis, 'defineCommand'> {
  readonly definitions = new Map<string, { lua: string; numberOfKeys?: number }>();
  readonly calls: ScriptCall[] = [];
  readonly answers = new Map<string, string | number | string[]>();

  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void {
    this.definitions.set(name, definition);
    const n = definition.numberOfKeys ?? 0;
    Reflect.set(this, name, (...args: (string | number)[]) => {
      this.calls.push({ command: name, keys: args.slice(0, n), argv: args.slice(n) });
      return Promise.resolve(this.answers.get(name) ?? 'ok');
    });
  }

  only(command: string): ScriptCall {
    const calls = this.calls.filter((c) => c.command === command);
    expect(calls).toHaveLength(1);
    return calls[0];
  }
}

/** The field/value pairs at the end of ARGV, as an object. */
function pairs(flat: (string | number)[]): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}

const RETENTION_S = 321;

function setup() {
  const redis = new FakeScriptRedis();
  const lifecycle = new TaskLifecycle(
    fake<Redis>(redis),
    new RedisKeys('p'),
    configService({ TASK_RETENTION_SECONDS: String(RETENTION_S) }),
  );
  return { redis, lifecycle };
}

const ENDING = taskRecord({
  id: 't1',
  deployment_id: 'd1',
  behavior_number: '2',
  started_at: '2026-01-01T00:00:00.000Z',
  input_student_count: 8,
});

describe('TaskLifecycle (fake Redis: what each script is given)', () => {
  it('defines each script from its file with the number of keys the file documents', () => {
    const { redis } = setup();
    const lua = (file: string) =>
      readFileSync(join(__dirname, '../../src/tasks/lua', file), 'utf8');
    expect(redis.definitions).toEqual(
      new Map([
        ['taskCreate', { numberOfKeys: 4, lua: lua('create.lua') }],
        ['taskStart', { numberOfKeys: 3, lua: lua('start.lua') }],
        ['taskRenew', { numberOfKeys: 2, lua: lua('renew.lua') }],
        ['taskRequeue', { numberOfKeys: 2, lua: lua('requeue.lua') }],
        ['taskProgress', { numberOfKeys: 1, lua: lua('progress.lua') }],
        ['taskRequestCancel', { numberOfKeys: 1, lua: lua('request-cancel.lua') }],
        ['taskFinish', { numberOfKeys: 5, lua: lua('finish.lua') }],
      ]),
    );
  });

  describe('create', () => {
    const task = {
      id: 't1',
      deployment_id: 'd1',
      behavior_number: '2',
      behavior_type: 'group_assignment',
      mode: 'async' as const,
    };

    it('passes the lock, task, deployment-set and deployment keys, the id, the hash prefix, the SHA-1 and a queued record', async () => {
      const { redis, lifecycle } = setup();
      redis.answers.set('taskCreate', ['created']);

      expect(await lifecycle.create(task, 'sha')).toEqual({ created: true });

      const call = redis.only('taskCreate');
      expect(call.keys).toEqual(['p:dep:d1:lock:2', 'p:task:t1', 'p:dep:d1:tasks', 'p:dep:d1']);
      expect(call.argv.slice(0, 3)).toEqual(['t1', 'p:task:', 'sha']);
      expect(pairs(call.argv.slice(3))).toMatchObject({
        ...task,
        lifecycle: 'queued',
        stage: 'pending',
        progress: '0',
      });
    });

    it('names the holder when the script answers with its id', async () => {
      const { redis, lifecycle } = setup();
      redis.answers.set('taskCreate', ['held', 'other-task']);
      expect(await lifecycle.create(task, 'sha')).toEqual({ created: false, holder: 'other-task' });
    });

    it('creates an async task on the producer connection, the one its job is sent on, and a sync one on the store', async () => {
      const store = new FakeScriptRedis();
      const producer = new FakeScriptRedis();
      const lifecycle = new TaskLifecycle(
        fake<Redis>(store),
        new RedisKeys('p'),
        configService({}),
        undefined,
        fake<Redis>(producer),
      );
      producer.answers.set('taskCreate', ['created']);
      store.answers.set('taskCreate', ['created']);
      // The producer knows the creation script only, with the same text and keys.
      expect([...producer.definitions.keys()]).toEqual(['taskCreate']);
      expect(producer.definitions.get('taskCreate')).toEqual(store.definitions.get('taskCreate'));

      await lifecycle.create(task, 'sha');
      expect(producer.only('taskCreate').argv[0]).toBe('t1');
      expect(store.calls).toEqual([]);

      await lifecycle.create({ ...task, id: 't2', mode: 'sync' }, 'sha');
      expect(store.only('taskCreate').argv[0]).toBe('t2');
      expect(producer.calls).toHaveLength(1);
    });

    it('says stale when the script found the deployment changed', async () => {
      const { redis, lifecycle } = setup();
      redis.answers.set('taskCreate', ['stale']);
      expect(await lifecycle.create(task, 'sha')).toEqual({ created: false, stale: true });
    });
  });

  it('fail: passes task, lock, history and variables keys, the lifecycle, retention and the history row', async () => {
    const { redis, lifecycle } = setup();
    redis.answers.set('taskFinish', 'terminal');

    const answer = await lifecycle.fail(ENDING, new BehaviorFailure('cancelled', 'Stop it'));

    expect(answer).toBe('terminal');
    const call = redis.only('taskFinish');
    expect(call.keys).toEqual([
      'p:task:t1',
      'p:dep:d1:lock:2',
      'p:dep:d1:history',
      'p:dep:d1:vars',
      'p:leases',
    ]);
    const [id, lifecycleArg, retention, historyJson, historyMax, varName, varValue, ...fields] =
      call.argv;
    expect([id, lifecycleArg, retention, historyMax, varName, varValue]).toEqual([
      't1',
      'cancelled',
      RETENTION_S,
      1000,
      '',
      '',
    ]);
    const history = JSON.parse(String(historyJson)) as HistoryEntry;
    expect(history).toMatchObject({
      task_id: 't1',
      behavior_number: '2',
      success: false,
      outcome: 'cancelled',
      error_message: 'Stop it',
      input_student_count: 8,
      started_at: '2026-01-01T00:00:00.000Z',
    });
    expect(pairs(fields)).toMatchObject({
      stage: 'cancelled',
      status: 'Task was cancelled: Stop it',
      error: 'Stop it',
      error_kind: 'cancelled',
    });
  });

  it("fail with another kind ends the task 'failed'", async () => {
    const { redis, lifecycle } = setup();
    await lifecycle.fail(ENDING, new BehaviorFailure('input', 'No students'));
    const call = redis.only('taskFinish');
    expect(call.argv[1]).toBe('failed');
    expect(pairs(call.argv.slice(7))).toMatchObject({ stage: 'failed', error_kind: 'input' });
  });

  it('succeed: passes the result, the output variable and a success history row', async () => {
    const { redis, lifecycle } = setup();
    redis.answers.set('taskFinish', 'cancel');

    const answer = await lifecycle.succeed(ENDING, {
      result: '{"success":true}',
      variable: { name: 'group_2', value: '{"name":"group_2"}' },
      groupsCreated: 3,
      themesCreated: null,
    });

    expect(answer).toBe('cancel');
    const call = redis.only('taskFinish');
    expect(call.argv.slice(0, 3)).toEqual(['t1', 'succeeded', RETENTION_S]);
    expect(call.argv.slice(5, 7)).toEqual(['group_2', '{"name":"group_2"}']);
    expect(JSON.parse(String(call.argv[3]))).toMatchObject({
      success: true,
      outcome: 'succeeded',
      output_groups_created: 3,
    });
    expect(pairs(call.argv.slice(7))).toMatchObject({
      stage: 'completed',
      progress: '100',
      result: '{"success":true}',
    });
  });

  it('requestCancel and progress address the task hash', async () => {
    const { redis, lifecycle } = setup();
    redis.answers.set('taskRequestCancel', 'running');
    expect(await lifecycle.requestCancel('t1', 'because')).toBe('running');
    expect(redis.only('taskRequestCancel')).toMatchObject({
      keys: ['p:task:t1'],
      argv: ['because'],
    });
    await lifecycle.progress('t1', 42.6, 'execution', 'Working');
    expect(redis.only('taskProgress')).toMatchObject({
      keys: ['p:task:t1'],
      argv: [43, 'execution', 'Working'],
    });
  });
});
