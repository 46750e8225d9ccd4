import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { Deployment, StoredSubmission } from '../../src/deployments/deployment.types';
import { DeploymentsRepository } from '../../src/deployments/deployments.repository';
import { BehaviorFailure } from '../../src/engine/errors';
import { behaviorDefinition } from '../../src/engine/catalog';
import { ExecutionService } from '../../src/execution/execution.service';
import { EncodedResult, encodeResult } from '../../src/execution/runner/encoded-result';
import {
  BehaviorRunner,
  ClassInput,
  classSize,
  RunHooks,
} from '../../src/execution/runner/behavior-runner';
import { CancelBus } from '../../src/queue/cancel-bus.service';
import { RunBehaviorPayload } from '../../src/queue/jobs';
import {
  EndingTask,
  FinishOutcome,
  SuccessOutput,
  TaskLifecycle,
} from '../../src/tasks/task-lifecycle.service';
import { TaskStore } from '../../src/tasks/task.store';
import { TaskRecord } from '../../src/tasks/task.types';
import { configService, fake, FakeTasks, taskRecord } from '../support/fakes';

const DEPLOYMENT: Deployment = {
  id: 'd1',
  title: 'Class',
  owners: [],
  behaviors: { '1': { type: 'group_assignment', config: { group_size: 2 } } },
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};

const STUDENTS: StoredSubmission[] = [
  { name: 'ana@school.edu', text: 'Solar panels', updated_at: '2026-01-01T00:00:00.000Z' },
  { name: 'ben@school.edu', text: 'Wind farms', updated_at: '2026-01-01T00:00:00.000Z' },
];

const GROUPS = { Group1: ['ana@school.edu', 'ben@school.edu'] };

class FakeDeployments implements Pick<DeploymentsRepository, 'get' | 'storedClass'> {
  deployment: Deployment | null = DEPLOYMENT;

  get(): Promise<Deployment | null> {
    return Promise.resolve(this.deployment);
  }

  students: StoredSubmission[] = STUDENTS;

  storedClass(): Promise<Uint8Array[]> {
    const students: StoredSubmission[] = this.deployment === null ? [] : this.students;
    return Promise.resolve(students.map((s) => Buffer.from(JSON.stringify(s))));
  }
}

class FakeBus implements Pick<CancelBus, 'register'> {
  readonly registered = new Set<string>();
  readonly handlers = new Map<string, (reason: string) => void>();

  register(taskId: string, handler: (reason: string) => void): () => void {
    this.registered.add(taskId);
    this.handlers.set(taskId, handler);
    return () => this.registered.delete(taskId);
  }
}

/** The runner threads: `behave` decides what the behavior does. */
class FakeRunner implements Pick<BehaviorRunner, 'runEncoded'> {
  readonly runs: { type: string; config: unknown; students: number }[] = [];
  behave: () => Promise<unknown> = () => Promise.resolve({ groups: GROUPS });

  /** Encoded as a runner thread encodes its behavior's output. */
  async runEncoded(
    type: string,
    config: unknown,
    students: ClassInput,
    _hooks?: RunHooks,
  ): Promise<EncodedResult> {
    this.runs.push({ type, config, students: classSize(students) });
    return encodeResult(await this.behave(), behaviorDefinition(type).outputVariablePrefix);
  }
}

/** A Redis client for `isRedisUnavailable`: only its status is read. */
class FakeRedisStatus implements Pick<Redis, 'status'> {
  status: Redis['status'] = 'ready';
}

const JOB: RunBehaviorPayload = {
  task_id: 't1',
  deployment_id: 'd1',
  behavior_number: '1',
  behavior_type: 'group_assignment',
};

function setup(record: TaskRecord = taskRecord({ id: 't1' })) {
  const tasks = new FakeTasks(record);
  const deployments = new FakeDeployments();
  const bus = new FakeBus();
  const runner = new FakeRunner();
  const redis = new FakeRedisStatus();
  const service = new ExecutionService(
    fake<TaskStore>(tasks),
    fake<TaskLifecycle>(tasks),
    fake<DeploymentsRepository>(deployments),
    fake<CancelBus>(bus),
    fake<Redis>(redis),
    configService(),
    undefined,
    fake<BehaviorRunner>(runner),
  );
  const runJob = () => service.runJob(JOB, new AbortController().signal, () => undefined);
  return { service, tasks, deployments, bus, runner, redis, runJob };
}

describe('ExecutionService', () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  it('runs a queued task and records its success with the output variable', async () => {
    const { tasks, runner, bus, runJob } = setup();
    const outcome = await runJob();

    expect(runner.runs).toEqual([
      { type: 'group_assignment', config: { group_size: 2 }, students: 2 },
    ]);
    expect(outcome.kind).toBe('succeeded');
    const answered = outcome.kind === 'succeeded' ? (JSON.parse(outcome.resultJson) as object) : {};
    expect(answered).toMatchObject({
      success: true,
      groups: GROUPS,
      behavior_type: 'group_assignment',
      task_id: 't1',
    });
    expect(tasks.successes).toHaveLength(1);
    const output = tasks.successes[0].output;
    expect(JSON.parse(output.result)).toEqual(answered); // what the client gets is what is stored
    expect(output.variable?.name).toBe('group_1');
    expect(JSON.parse(output.variable?.value ?? '{}')).toEqual({
      name: 'group_1',
      value: GROUPS,
      task_id: 't1',
      updated_at: expect.any(String) as unknown,
    });
    expect(output.groupsCreated).toBe(1);
    expect((await tasks.get('t1'))?.lifecycle).toBe('succeeded');
    expect(bus.registered.size).toBe(0); // its cancel handler is gone once the run is over
  });

  it('honours a cancel that arrives after the last checkpoint: a cancelled failure, no success', async () => {
    const { tasks, runner, runJob } = setup();
    runner.behave = () => {
      // The behavior has passed its last checkpoint; the cancel request lands now.
      tasks.set('t1', { cancel_reason: 'Cancelled by a cancel request' });
      return Promise.resolve({ groups: GROUPS });
    };

    const outcome = await runJob();

    expect(outcome.kind).toBe('failed');
    if (outcome.kind !== 'failed') return;
    expect(outcome.failure).toBeInstanceOf(BehaviorFailure);
    expect(outcome.failure.kind).toBe('cancelled');
    expect(outcome.failure.message).toBe('Cancelled by a cancel request');
    expect(tasks.failures.map((f) => f.failure.kind)).toEqual(['cancelled']);
    expect(tasks.successes).toEqual([]);
    const stored = await tasks.get('t1');
    expect(stored).toMatchObject({ lifecycle: 'cancelled', result: null });
  });

  it('drops a result that arrives after this process received a cancel for the task, without writing it', async () => {
    const { tasks, bus, runner, deployments, runJob } = setup();
    // A large class: its result would be large, so the worker lets a cancel behind it be read.
    deployments.students = Array.from({ length: 1_000 }, (_, i) => ({
      ...STUDENTS[0],
      name: `s${i}@school.edu`,
    }));
    const succeed = jest.spyOn(tasks, 'succeed');
    runner.behave = () => {
      // Past the last checkpoint: the request is recorded, and its message reaches this process
      // just after the result does (it was waiting behind it).
      tasks.set('t1', { cancel_reason: 'Cancelled by a cancel request' });
      setImmediate(() => bus.handlers.get('t1')?.('Cancelled by a cancel request'));
      return Promise.resolve({ groups: GROUPS });
    };

    const outcome = await runJob();

    expect(outcome).toMatchObject({ kind: 'failed', failure: { kind: 'cancelled' } });
    expect(succeed).not.toHaveBeenCalled(); // the megabytes of a large result are never sent
    expect(tasks.failures.map((f) => f.failure.message)).toEqual(['Cancelled by a cancel request']);
    expect(await tasks.get('t1')).toMatchObject({ lifecycle: 'cancelled', result: null });
  });

  it('reads a class ahead of its task only once a run here has seen it to be small', async () => {
    const { service, deployments, runJob } = setup();
    expect(service.readsAhead('d1')).toBe(false); // never run here: unknown
    await runJob();
    expect(service.readsAhead('d1')).toBe(true); // two short answers
    deployments.students = Array.from({ length: 40 }, (_, i) => ({
      ...STUDENTS[0],
      name: `s${i}@school.edu`,
      text: 'x'.repeat(10_000),
    }));
    const again = setup(taskRecord({ id: 't1' }));
    again.deployments.students = deployments.students;
    await again.runJob();
    expect(again.service.readsAhead('d1')).toBe(false); // 400 kB
  });

  it('fails a task as input when its deployment was deleted before it started', async () => {
    const { tasks, deployments, runner, runJob } = setup();
    deployments.deployment = null;

    const outcome = await runJob();

    expect(outcome.kind).toBe('failed');
    if (outcome.kind !== 'failed') return;
    expect(outcome.failure.kind).toBe('input');
    expect(outcome.failure.message).toBe('Deployment d1 no longer exists');
    expect(runner.runs).toEqual([]);
    expect((await tasks.get('t1'))?.error_kind).toBe('input');
  });

  it('does not start a task whose cancel was asked for while it was queued', async () => {
    const { tasks, runner, runJob } = setup(
      taskRecord({ id: 't1', cancel_reason: 'Cancelled by a cancel request' }),
    );
    const outcome = await runJob();
    expect(outcome).toMatchObject({ kind: 'failed', failure: { kind: 'cancelled' } });
    expect(runner.runs).toEqual([]);
    expect((await tasks.get('t1'))?.lifecycle).toBe('cancelled');
  });

  describe('a job that fails outside its run', () => {
    it.each(['queued', 'running'] as const)(
      'records a %s task as crashed with the queue message',
      async (lifecycle) => {
        const { service, tasks } = setup(taskRecord({ id: 't1', lifecycle }));
        await service.failOutsideRun('t1', 'job stalled more than allowable limit');
        expect(tasks.failures).toHaveLength(1);
        expect(tasks.failures[0].failure).toMatchObject({
          kind: 'crashed',
          message: 'job stalled more than allowable limit',
        });
        expect((await tasks.get('t1'))?.lifecycle).toBe('failed');
      },
    );

    it.each(['succeeded', 'failed', 'cancelled'] as const)(
      'writes nothing for a %s task',
      async (lifecycle) => {
        const { service, tasks } = setup(taskRecord({ id: 't1', lifecycle }));
        const failSpy = jest.spyOn(tasks, 'fail');
        await service.failOutsideRun('t1', 'run failed');
        expect(failSpy).not.toHaveBeenCalled();
        expect((await tasks.get('t1'))?.lifecycle).toBe(lifecycle);
      },
    );
  });

  describe('a job BullMQ found stalled (its worker was lost)', () => {
    it('shows a running task whose lease lapsed as waiting to be retried', async () => {
      const running = { id: 't1', lifecycle: 'running', attempt: 1, lease_until: 1 } as const;
      const { service, tasks } = setup(taskRecord(running));
      await service.markLost('t1');
      expect(tasks.requeues).toEqual([{ id: 't1', attempt: 1 }]);
      expect(await tasks.get('t1')).toMatchObject({ lifecycle: 'queued', stage: 'pending' });
    });

    it('leaves alone an attempt another worker has already started (fresh lease)', async () => {
      const lease = Date.now() + 30_000;
      const running = { id: 't1', lifecycle: 'running', attempt: 2, lease_until: lease } as const;
      const { service, tasks } = setup(taskRecord(running));
      await service.markLost('t1');
      expect(tasks.requeues).toEqual([]);
      expect((await tasks.get('t1'))?.lifecycle).toBe('running');
    });
  });

  describe('writing the end while Redis is unavailable', () => {
    it('retries the end write until Redis is back, then records the success', async () => {
      const { tasks, redis, runJob } = setup();
      const succeed = tasks.succeed.bind(tasks);
      let attempts = 0;
      jest
        .spyOn(tasks, 'succeed')
        .mockImplementation((record: EndingTask, output: SuccessOutput): Promise<FinishOutcome> => {
          attempts += 1;
          if (attempts === 1) {
            redis.status = 'reconnecting';
            return Promise.reject(new Error('Connection is closed.'));
          }
          redis.status = 'ready';
          return succeed(record, output);
        });

      const outcome = await runJob();

      expect(attempts).toBe(2);
      expect(outcome.kind).toBe('succeeded');
      expect((await tasks.get('t1'))?.lifecycle).toBe('succeeded');
    });

    it('retries a failure write the same way', async () => {
      const { tasks, redis, runner, runJob } = setup();
      runner.behave = () => Promise.reject(new BehaviorFailure('soft_timeout', 'too slow'));
      const fail = tasks.fail.bind(tasks);
      let attempts = 0;
      jest
        .spyOn(tasks, 'fail')
        .mockImplementation((record: EndingTask, failure: BehaviorFailure) => {
          attempts += 1;
          redis.status = attempts === 1 ? 'connecting' : 'ready';
          return attempts === 1
            ? Promise.reject(new Error('connect ECONNREFUSED'))
            : fail(record, failure);
        });

      const outcome = await runJob();

      expect(attempts).toBe(2);
      expect(outcome).toMatchObject({ kind: 'failed', failure: { kind: 'soft_timeout' } });
      expect((await tasks.get('t1'))?.error_kind).toBe('soft_timeout');
    });

    it('postpones a job it cannot start while its own Redis client is reconnecting', async () => {
      // The queue's connection can come back before the store's: the job is handed out, and
      // failing it would leave its task queued for ever (nothing could record the failure).
      const { tasks, redis, runner, runJob } = setup();
      redis.status = 'reconnecting';
      jest
        .spyOn(tasks, 'get')
        .mockRejectedValue(
          new Error("Stream isn't writeable and enableOfflineQueue options is false"),
        );
      const outcome = await runJob();
      expect(outcome).toEqual({ kind: 'postponed', delayMs: 1000 });
      expect(runner.runs).toEqual([]);
      expect(tasks.failures).toEqual([]);
    });

    it('postpones only a run that could not start: a later outage fails the job as before', async () => {
      // The start's batch succeeds (its read of the task came back empty), then the read
      // again fails with the client reconnecting: the run had started, so no postponing.
      const { tasks, redis, runJob } = setup();
      const get = tasks.get.bind(tasks);
      jest
        .spyOn(tasks, 'get')
        .mockResolvedValueOnce(null)
        .mockImplementationOnce(() => {
          redis.status = 'reconnecting';
          return Promise.reject(new Error('Connection is closed.'));
        })
        .mockImplementation(get);
      await expect(runJob()).rejects.toThrow('Connection is closed.');
    });

    it('still throws an error at the start that is not about the connection', async () => {
      const { tasks, runJob } = setup();
      jest.spyOn(tasks, 'get').mockRejectedValue(new Error('ERR unknown command'));
      await expect(runJob()).rejects.toThrow('ERR unknown command');
    });

    it('does not retry an error that is not about the connection', async () => {
      const { tasks, runJob } = setup();
      const succeed = jest
        .spyOn(tasks, 'succeed')
        .mockRejectedValue(new Error('ERR Error running script'));
      await expect(runJob()).rejects.toThrow('ERR Error running script');
      expect(succeed).toHaveBeenCalledTimes(1);
    });
  });
});
