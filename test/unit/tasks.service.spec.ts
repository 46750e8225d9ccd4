import { ConflictError, NotFoundError } from '../../src/common/errors';
import { BehaviorQueue, RemoveOutcome } from '../../src/queue/behavior-queue.service';
import { CancelBus } from '../../src/queue/cancel-bus.service';
import { CANCELLED_BY_REQUEST, TaskCancellation } from '../../src/tasks/task-cancellation.service';
import { TaskEvents } from '../../src/tasks/task-events.service';
import { TaskLifecycle } from '../../src/tasks/task-lifecycle.service';
import { TaskStore } from '../../src/tasks/task.store';
import { TaskRecord } from '../../src/tasks/task.types';
import { TasksService } from '../../src/tasks/tasks.service';
import { configService, fake, FakeTasks, taskRecord } from '../support/fakes';

const GRACE_MS = 20;

class FakeQueue implements Pick<BehaviorQueue, 'removeIfWaiting'> {
  readonly removals: { taskId: string; behaviorType: string }[] = [];
  constructor(private readonly answer: RemoveOutcome) {}

  removeIfWaiting(taskId: string, behaviorType: string): Promise<RemoveOutcome> {
    this.removals.push({ taskId, behaviorType });
    return Promise.resolve(this.answer);
  }
}

/** The process running the task: by default nobody answers (its worker died). */
class FakeBus implements Pick<CancelBus, 'publish'> {
  readonly published: { taskId: string; reason: string }[] = [];
  onPublish: (taskId: string) => void = () => undefined;

  publish(taskId: string, reason: string): Promise<void> {
    this.published.push({ taskId, reason });
    this.onPublish(taskId);
    return Promise.resolve();
  }
}

function setup(record: TaskRecord, removal: RemoveOutcome = 'active') {
  const tasks = new FakeTasks(record);
  const queue = new FakeQueue(removal);
  const bus = new FakeBus();
  const cancellation = new TaskCancellation(
    fake<TaskStore>(tasks),
    fake<TaskLifecycle>(tasks),
    fake<BehaviorQueue>(queue),
    fake<CancelBus>(bus),
    configService({ CANCEL_GRACE_MS: String(GRACE_MS) }),
  );
  const service = new TasksService(fake<TaskStore>(tasks), cancellation, fake<TaskEvents>({}));
  return { service, tasks, queue, bus };
}

async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('TasksService.cancel', () => {
  it('takes a queued task off its queue and records it as cancelled', async () => {
    const { service, tasks, queue, bus } = setup(taskRecord({ id: 'q1' }), 'removed');

    const answer = await service.cancel('d1', 'q1');

    expect(answer).toEqual({
      message: 'Task q1 has been cancelled',
      task_id: 'q1',
      cancelled: true,
    });
    expect(queue.removals).toEqual([{ taskId: 'q1', behaviorType: 'group_assignment' }]);
    expect(tasks.failures).toHaveLength(1);
    expect(tasks.failures[0].failure).toMatchObject({
      kind: 'cancelled',
      message: CANCELLED_BY_REQUEST,
    });
    expect((await tasks.get('q1'))?.lifecycle).toBe('cancelled');
    expect(bus.published).toEqual([]); // nobody runs it: nobody to tell
  });

  it('refuses to cancel a finished task with 409-style ConflictError, cancelled: false', async () => {
    const { service, tasks, queue } = setup(taskRecord({ id: 's1', lifecycle: 'succeeded' }));
    const err = await rejectionOf(service.cancel('d1', 's1'));

    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).message).toBe(
      'Task s1 already finished (SUCCESS); there is nothing to cancel',
    );
    expect((err as ConflictError).extras).toEqual({ task_id: 's1', cancelled: false });
    expect(queue.removals).toEqual([]);
    expect(tasks.failures).toEqual([]);
    expect((await tasks.get('s1'))?.cancel_reason).toBeNull();
  });

  it('answers cancelled: true, harmlessly, for a task that was already cancelled', async () => {
    const { service, tasks } = setup(taskRecord({ id: 'c1', lifecycle: 'cancelled' }));
    expect(await service.cancel('d1', 'c1')).toEqual({
      message: 'Task c1 was already cancelled',
      task_id: 'c1',
      cancelled: true,
    });
    expect(tasks.failures).toEqual([]);
  });

  it("treats another deployment's task as unknown and leaves it alone", async () => {
    const { service, tasks, queue, bus } = setup(taskRecord({ id: 'x1', deployment_id: 'd2' }));
    const err = await rejectionOf(service.cancel('d1', 'x1'));

    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).message).toContain('Task x1 not found for deployment d1');
    expect(tasks.cancelRequests).toEqual([]);
    expect(queue.removals).toEqual([]);
    expect(bus.published).toEqual([]);
    expect((await tasks.get('x1'))?.lifecycle).toBe('queued');
  });

  it('answers NotFoundError for an unknown task id', async () => {
    const { service } = setup(taskRecord({ id: 'x1' }));
    await expect(service.cancel('d1', 'nope')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('records a running task as cancelled itself when no runner confirms within the grace', async () => {
    const { service, tasks, bus } = setup(taskRecord({ id: 'r1', lifecycle: 'running' }));
    const t0 = Date.now();

    const answer = await service.cancel('d1', 'r1');

    expect(Date.now() - t0).toBeGreaterThanOrEqual(GRACE_MS);
    expect(answer).toEqual({
      message: 'Task r1 has been cancelled',
      task_id: 'r1',
      cancelled: true,
    });
    expect(bus.published).toEqual([{ taskId: 'r1', reason: CANCELLED_BY_REQUEST }]);
    expect(tasks.failures).toHaveLength(1);
    expect(tasks.failures[0].failure).toMatchObject({
      kind: 'cancelled',
      message: `${CANCELLED_BY_REQUEST} (no running worker answered)`,
    });
    expect((await tasks.get('r1'))?.lifecycle).toBe('cancelled');
  });

  it('does not record a second end when the runner confirms the cancel itself', async () => {
    const { service, tasks, bus } = setup(taskRecord({ id: 'r1', lifecycle: 'running' }));
    bus.onPublish = (id) => tasks.set(id, { lifecycle: 'cancelled', error: 'by the runner' });

    expect((await service.cancel('d1', 'r1')).cancelled).toBe(true);
    expect(tasks.failures).toEqual([]);
    expect((await tasks.get('r1'))?.error).toBe('by the runner');
  });

  it('tells the truth when a running task finishes SUCCESS before the cancel takes effect', async () => {
    const { service, tasks, bus } = setup(taskRecord({ id: 'r1', lifecycle: 'running' }));
    // The behavior was already past its last checkpoint: the runner records its success.
    bus.onPublish = (id) => tasks.set(id, { lifecycle: 'succeeded', stage: 'completed' });

    const err = await rejectionOf(service.cancel('d1', 'r1'));

    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).message).toBe(
      'Task r1 finished as SUCCESS before the cancel took effect',
    );
    expect((err as ConflictError).extras).toEqual({ task_id: 'r1', cancelled: false });
    expect(tasks.failures).toEqual([]);
    expect((await tasks.get('r1'))?.lifecycle).toBe('succeeded');
  });
});
