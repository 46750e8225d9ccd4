import { BehaviorsService } from '../../src/behaviors/behaviors.service';
import { ConflictError, NotFoundError, RunFailedError } from '../../src/common/errors';
import { Deployment } from '../../src/deployments/deployment.types';
import { DeploymentSnapshot } from '../../src/deployments/deployments.repository';
import { DeploymentsService } from '../../src/deployments/deployments.service';
import { BehaviorFailure } from '../../src/engine/errors';
import { ExecutionOutcome, ExecutionService } from '../../src/execution/execution.service';
import { BehaviorQueue } from '../../src/queue/behavior-queue.service';
import { RunBehaviorPayload } from '../../src/queue/jobs';
import {
  CreateOutcome,
  EndingTask,
  FinishOutcome,
  NewTask,
  TaskLifecycle,
} from '../../src/tasks/task-lifecycle.service';
import { fake } from '../support/fakes';

const DEPLOYMENT: Deployment = {
  id: 'd1',
  title: 'Class',
  owners: [],
  behaviors: {
    '1': { type: 'group_assignment', config: {} },
    '2': { type: 'random_grouping', config: {} },
  },
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};

/** The stored deployment: `version` stands for the SHA-1 of its JSON ('v1', 'v2', ...). */
class FakeDeployments implements Pick<DeploymentsService, 'snapshot' | 'cachedSnapshot'> {
  stored = DEPLOYMENT;
  version = 1;
  reads = 0;
  /** This process's copy, as a trigger finds it without reading. */
  cached: DeploymentSnapshot | undefined = undefined;

  snapshot(id: string): Promise<DeploymentSnapshot> {
    if (id !== DEPLOYMENT.id)
      return Promise.reject(new NotFoundError(`Deployment ${id} not found`));
    this.reads++;
    return Promise.resolve({ deployment: this.stored, sha1: `v${this.version}` });
  }

  cachedSnapshot(id: string): DeploymentSnapshot | undefined {
    return id === DEPLOYMENT.id ? this.cached : undefined;
  }
}

class FakeLifecycle implements Pick<TaskLifecycle, 'create' | 'fail'> {
  readonly created: NewTask[] = [];
  readonly failed: { record: EndingTask; failure: BehaviorFailure }[] = [];
  /** Refused creations: stale copies of the deployment. */
  readonly stale: NewTask[] = [];
  holder: string | null = null;
  failWrite: Error | null = null;

  constructor(private readonly deployments: FakeDeployments) {}

  create(task: NewTask, deploymentSha1: string): Promise<CreateOutcome> {
    // As create.lua: nothing is created from a copy that is not the stored deployment.
    if (deploymentSha1 !== `v${this.deployments.version}`) {
      this.stale.push(task);
      return Promise.resolve({ created: false, stale: true });
    }
    if (this.holder !== null) return Promise.resolve({ created: false, holder: this.holder });
    this.created.push(task);
    return Promise.resolve({ created: true });
  }

  fail(record: EndingTask, failure: BehaviorFailure): Promise<FinishOutcome> {
    this.failed.push({ record, failure });
    return this.failWrite === null ? Promise.resolve('ok') : Promise.reject(this.failWrite);
  }
}

class FakeQueue implements Pick<BehaviorQueue, 'enqueue' | 'discard'> {
  readonly enqueued: RunBehaviorPayload[] = [];
  readonly discarded: string[] = [];
  error: Error | null = null;

  discard(taskId: string): void {
    this.discarded.push(taskId);
  }

  /** The jobs still on the queue. */
  get waiting(): RunBehaviorPayload[] {
    return this.enqueued.filter((j) => !this.discarded.includes(j.task_id));
  }

  enqueue(payload: RunBehaviorPayload): Promise<void> {
    if (this.error !== null) return Promise.reject(this.error);
    this.enqueued.push(payload);
    return Promise.resolve();
  }
}

class FakeExecution implements Pick<ExecutionService, 'runSync' | 'readsAhead'> {
  readonly runs: { taskId: string; deploymentId: string }[] = [];
  /** Whether the class is known to be small enough to read ahead of the creation. */
  smallClass = true;

  readsAhead(): boolean {
    return this.smallClass;
  }

  /** When null, the run succeeds with a result naming its task. */
  outcome: ExecutionOutcome | null = null;

  runSync(taskId: string, deploymentId: string): Promise<ExecutionOutcome> {
    this.runs.push({ taskId, deploymentId });
    return Promise.resolve(
      this.outcome ?? {
        kind: 'succeeded',
        resultJson: JSON.stringify({
          success: true,
          behavior_type: 'random_grouping',
          execution_time: '0:00:00.1',
          task_id: taskId,
          groups: {},
        }),
      },
    );
  }
}

function setup() {
  const deployments = new FakeDeployments();
  const lifecycle = new FakeLifecycle(deployments);
  const queue = new FakeQueue();
  const execution = new FakeExecution();
  const service = new BehaviorsService(
    fake<DeploymentsService>(deployments),
    fake<TaskLifecycle>(lifecycle),
    fake<BehaviorQueue>(queue),
    fake<ExecutionService>(execution),
  );
  return { service, lifecycle, queue, execution, deployments };
}

async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('BehaviorsService.trigger', () => {
  it('queues a heavy behavior by default and answers PENDING with the task id', async () => {
    const { service, lifecycle, queue, execution } = setup();
    const answer = await service.trigger('d1', { behavior_number: '1' });

    const taskId = lifecycle.created[0].id;
    expect(lifecycle.created[0]).toMatchObject({
      mode: 'async',
      behavior_type: 'group_assignment',
    });
    expect(queue.enqueued).toEqual([
      {
        task_id: taskId,
        deployment_id: 'd1',
        behavior_number: '1',
        behavior_type: 'group_assignment',
      },
    ]);
    expect(answer).toEqual({
      mode: 'async',
      body: {
        behavior_number: '1',
        task_id: taskId,
        status: 'PENDING',
        message: 'Behavior execution started. Use task ID to check progress.',
      },
    });
    expect(execution.runs).toEqual([]);
  });

  it('runs a light behavior synchronously by default and answers its result', async () => {
    const { service, lifecycle, queue, execution } = setup();
    const answer = await service.trigger('d1', { behavior_number: '2' });

    const taskId = lifecycle.created[0].id;
    expect(lifecycle.created[0].mode).toBe('sync');
    expect(execution.runs).toEqual([{ taskId, deploymentId: 'd1' }]);
    expect(queue.enqueued).toEqual([]);
    expect(answer).toEqual({
      mode: 'sync',
      body: {
        behavior_number: '2',
        success: true,
        behavior_type: 'random_grouping',
        execution_time: '0:00:00.1',
        task_id: taskId,
        groups: {},
      },
    });
  });

  it('lets async_execution override the default both ways', async () => {
    const heavySync = setup();
    expect(
      (await heavySync.service.trigger('d1', { behavior_number: '1', async_execution: false }))
        .mode,
    ).toBe('sync');
    expect(heavySync.execution.runs).toHaveLength(1);
    expect(heavySync.queue.enqueued).toEqual([]);

    const lightAsync = setup();
    expect(
      (await lightAsync.service.trigger('d1', { behavior_number: '2', async_execution: true }))
        .mode,
    ).toBe('async');
    expect(lightAsync.queue.enqueued).toMatchObject([{ behavior_type: 'random_grouping' }]);
    expect(lightAsync.execution.runs).toEqual([]);
  });

  it('names the behaviors that do exist when the number is unknown, and creates no task', async () => {
    const { service, lifecycle } = setup();
    const err = await rejectionOf(service.trigger('d1', { behavior_number: '7' }));
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).message).toContain('(it has: 1, 2)');
    expect((err as NotFoundError).extras).toEqual({ behavior_number: '7' });
    expect(lifecycle.created).toEqual([]);
  });

  it('refuses a behavior whose lock is held, naming the holding task, and runs nothing', async () => {
    const { service, lifecycle, queue, execution } = setup();
    lifecycle.holder = 'running-task';
    const err = await rejectionOf(service.trigger('d1', { behavior_number: '1' }));
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).extras).toEqual({
      task_id: 'running-task',
      behavior_number: '1',
    });
    expect((err as ConflictError).message).toContain(
      'already queued or running as task running-task',
    );
    // The job sent behind the refused creation is taken off the queue again.
    expect(queue.enqueued).toHaveLength(1);
    expect(queue.waiting).toEqual([]);
    expect(execution.runs).toEqual([]);
  });

  it('answers 409 for a light behavior whose lock is held: its run, sent with the creation, starts nothing', async () => {
    const { service, lifecycle, execution } = setup();
    lifecycle.holder = 'running-task';
    // As the start script does: a task that was not created is not there to start.
    execution.outcome = { kind: 'skipped' };
    const err = await rejectionOf(service.trigger('d1', { behavior_number: '2' }));
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).extras).toEqual({
      task_id: 'running-task',
      behavior_number: '2',
    });
    expect(lifecycle.created).toEqual([]);
    expect(execution.runs).toHaveLength(1); // skipped, and not run again
  });

  it('answers 409 for a light behavior on a class not known to be small without running anything', async () => {
    const { service, lifecycle, execution } = setup();
    lifecycle.holder = 'running-task';
    execution.smallClass = false;
    const err = await rejectionOf(service.trigger('d1', { behavior_number: '2' }));
    expect(err).toBeInstanceOf(ConflictError);
    expect(execution.runs).toEqual([]); // the class is not read for a refused trigger
  });

  it('runs a light behavior on a class not known to be small once its task exists', async () => {
    const { service, lifecycle, execution } = setup();
    execution.smallClass = false;
    const answer = await service.trigger('d1', { behavior_number: '2' });
    expect(answer.mode).toBe('sync');
    expect(execution.runs).toEqual([{ taskId: lifecycle.created[0].id, deploymentId: 'd1' }]);
  });

  it('runs a created light task again if its first run found nothing to start', async () => {
    const { service, execution } = setup();
    const outcomes: ExecutionOutcome[] = [{ kind: 'skipped' }];
    const runSync = execution.runSync.bind(execution);
    execution.runSync = (taskId, deploymentId) => {
      const next = outcomes.shift();
      if (next === undefined) return runSync(taskId, deploymentId);
      execution.runs.push({ taskId, deploymentId });
      return Promise.resolve(next);
    };
    const answer = await service.trigger('d1', { behavior_number: '2' });
    expect(answer.mode).toBe('sync');
    expect(execution.runs).toHaveLength(2);
  });

  describe("this process's copy of the deployment", () => {
    const edited: Deployment = {
      ...DEPLOYMENT,
      behaviors: {
        '1': { type: 'theme_creator', config: {} },
        '2': { type: 'random_grouping', config: {} },
        '3': { type: 'random_grouping', config: {} },
      },
    };

    it('is used without a read while it is current', async () => {
      const { service, deployments, lifecycle } = setup();
      deployments.cached = { deployment: DEPLOYMENT, sha1: 'v1' };
      await service.trigger('d1', { behavior_number: '1' });
      expect(deployments.reads).toBe(0);
      expect(lifecycle.created).toHaveLength(1);
    });

    it('is read again when stale, and the task is made from the stored deployment', async () => {
      const { service, deployments, lifecycle, queue } = setup();
      deployments.cached = { deployment: DEPLOYMENT, sha1: 'v1' };
      deployments.stored = edited;
      deployments.version = 2;
      const answer = await service.trigger('d1', { behavior_number: '1' });

      expect(deployments.reads).toBe(1);
      expect(lifecycle.stale).toMatchObject([{ behavior_type: 'group_assignment' }]);
      expect(lifecycle.created).toMatchObject([{ behavior_type: 'theme_creator' }]);
      // The stale try's job was taken off the queue; the real task's job waits.
      expect(queue.waiting).toEqual([
        expect.objectContaining({ task_id: lifecycle.created[0].id }),
      ]);
      expect(answer.body).toMatchObject({ task_id: lifecycle.created[0].id });
    });

    it('is read again when it lacks the behavior (added since), which then runs', async () => {
      const { service, deployments } = setup();
      deployments.cached = { deployment: DEPLOYMENT, sha1: 'v1' };
      deployments.stored = edited;
      deployments.version = 2;
      const answer = await service.trigger('d1', { behavior_number: '3' });
      expect(answer.mode).toBe('sync');
      expect(deployments.reads).toBe(1);
    });

    it('creates the task unchecked from the third read when the deployment keeps changing', async () => {
      const { service, deployments, lifecycle } = setup();
      const shas: string[] = [];
      const create = lifecycle.create.bind(lifecycle);
      lifecycle.create = (task, sha) => {
        shas.push(sha);
        // Edited again before each checked creation lands.
        if (sha !== '') deployments.version++;
        return create(task, sha === '' ? `v${deployments.version}` : sha);
      };
      const answer = await service.trigger('d1', { behavior_number: '2' });
      expect(answer.mode).toBe('sync');
      expect(deployments.reads).toBe(3);
      expect(shas).toEqual(['v1', 'v2', '']);
      expect(lifecycle.stale).toHaveLength(2);
      expect(lifecycle.created).toHaveLength(1);
    });
  });

  describe('when the job cannot be queued', () => {
    it('fails the task it created (freeing its lock) and rethrows the original error', async () => {
      const { service, lifecycle, queue } = setup();
      const queueDown = new Error('Connection is closed.');
      queue.error = queueDown;

      await expect(service.trigger('d1', { behavior_number: '1' })).rejects.toBe(queueDown);

      const created = lifecycle.created[0];
      expect(lifecycle.failed).toHaveLength(1);
      const { record, failure } = lifecycle.failed[0];
      // The lock is freed by (deployment, behavior number) of this very task id.
      expect(record).toMatchObject({
        id: created.id,
        deployment_id: 'd1',
        behavior_number: '1',
        behavior_type: 'group_assignment',
      });
      expect(failure).toBeInstanceOf(BehaviorFailure);
      expect(failure.kind).toBe('crashed');
      expect(failure.message).toBe('The task could not be queued');
    });

    it('still rethrows the queue error when failing the task fails too', async () => {
      const { service, lifecycle, queue } = setup();
      const queueDown = new Error('queue down');
      queue.error = queueDown;
      lifecycle.failWrite = new Error('redis down');
      await expect(service.trigger('d1', { behavior_number: '1' })).rejects.toBe(queueDown);
      expect(lifecycle.failed).toHaveLength(1);
    });
  });

  describe('a synchronous run that does not succeed', () => {
    it.each(['input', 'soft_timeout', 'cancelled'] as const)(
      'is a RunFailedError whose reason is the failure kind (%s)',
      async (kind) => {
        const { service, lifecycle, execution } = setup();
        execution.outcome = {
          kind: 'failed',
          failure: new BehaviorFailure(kind, `it went ${kind}`),
        };
        const err = await rejectionOf(service.trigger('d1', { behavior_number: '2' }));

        expect(err).toBeInstanceOf(RunFailedError);
        const failed = err as RunFailedError;
        expect(failed.reason).toBe(kind);
        expect(failed.message).toBe(`it went ${kind}`);
        expect(failed.extras).toEqual({
          success: false,
          task_id: lifecycle.created[0].id,
          behavior_number: '2',
        });
      },
    );

    it("is a RunFailedError 'not_started' when the run was skipped", async () => {
      const { service, execution } = setup();
      execution.outcome = { kind: 'skipped' };
      const err = await rejectionOf(service.trigger('d1', { behavior_number: '2' }));
      expect(err).toBeInstanceOf(RunFailedError);
      expect((err as RunFailedError).reason).toBe('not_started');
      expect((err as RunFailedError).extras.success).toBe(false);
    });
  });
});
