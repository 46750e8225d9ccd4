import { MessageEvent } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { TaskEvents } from '../../src/tasks/task-events.service';
import { TaskNotices, TaskWatch } from '../../src/tasks/task-notices.service';
import { TaskStore } from '../../src/tasks/task.store';
import { TaskRecord } from '../../src/tasks/task.types';
import { configService, fake, taskRecord } from '../support/fakes';

const HEARTBEAT_MS = 1_000;

/** The task record as Redis holds it, changed by the test, and the notices announcing changes. */
class World {
  record: TaskRecord | null = taskRecord();
  reads = 0;
  listener: (() => void) | null = null;
  stopped = 0;

  get(): Promise<TaskRecord | null> {
    this.reads++;
    return Promise.resolve(this.record === null ? null : { ...this.record });
  }

  watch(_taskId: string, listener: () => void): TaskWatch {
    this.listener = listener;
    return { ready: Promise.resolve(), stop: () => this.stopped++ };
  }

  change(overrides: Partial<TaskRecord>, announce = true): void {
    this.record = taskRecord({ ...this.record, ...overrides });
    if (announce) this.listener?.();
  }
}

/** Lets queued promise callbacks run (the reads are promises on fakes that answer at once). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

function follow(world: World) {
  const service = new TaskEvents(
    fake<TaskStore>(world),
    fake<TaskNotices>(world),
    configService({ SSE_HEARTBEAT_MS: String(HEARTBEAT_MS) }),
  );
  const events: MessageEvent[] = [];
  let completed = false;
  const subscription: Subscription = service.stream('d1', 't1', undefined).subscribe({
    next: (e) => events.push(e),
    complete: () => (completed = true),
  });
  const states = () =>
    events
      .filter((e) => e.data !== undefined)
      .map((e) => {
        const d = e.data as { state: string; progress: number; status: string };
        return `${d.state} ${d.progress} ${d.status}`;
      });
  return { service, events, states, subscription, isCompleted: () => completed };
}

describe('TaskEvents', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends the status now, once per real change, and ends after the terminal one', async () => {
    const world = new World();
    const f = follow(world);
    await settle();
    expect(f.states()).toEqual(['PENDING 0 Task is waiting to be processed...']);
    world.change({ lifecycle: 'running', stage: 'initialization', progress: 10, status: 'Go' });
    await settle();
    // A notice that changed nothing a poll would see sends nothing.
    world.listener?.();
    await settle();
    world.change({ progress: 55, stage: 'execution', status: 'Halfway' });
    await settle();
    world.change({ lifecycle: 'succeeded', progress: 100, result: '{"groups":{}}' });
    await settle();
    expect(f.states()).toEqual([
      'PENDING 0 Task is waiting to be processed...',
      'PROGRESS 10 Go',
      'PROGRESS 55 Halfway',
      'SUCCESS 100 Task completed successfully',
    ]);
    expect(f.isCompleted()).toBe(true);
    expect(world.stopped).toBe(1);
  });

  it('reads once more after a burst of notices, never two reads at a time', async () => {
    const world = new World();
    follow(world);
    await settle();
    const before = world.reads;
    world.change({ lifecycle: 'running', progress: 20 });
    world.change({ progress: 30 });
    world.change({ progress: 40 });
    await settle();
    // The first notice starts a read; the two during it collapse into one more.
    expect(world.reads - before).toBe(2);
  });

  it('sends a heartbeat comment and catches a change no notice announced', async () => {
    const world = new World();
    world.change({ lifecycle: 'running', progress: 40, lease_until: Date.now() + 500 }, false);
    const f = follow(world);
    await settle();
    expect(f.states()).toEqual(['PROGRESS 40 Task is waiting to be processed...']);
    // The worker died: its lease lapses, and nothing is published about it.
    jest.advanceTimersByTime(HEARTBEAT_MS);
    await settle();
    expect(f.events.some((e) => e.comment === 'heartbeat')).toBe(true);
    expect(f.states().at(-1)).toBe(
      'PENDING 0 Waiting to be retried: the worker running it stopped responding',
    );
    expect(f.isCompleted()).toBe(false);
    f.subscription.unsubscribe();
    expect(world.stopped).toBe(1);
  });

  it('ends when the record is gone, and ends every open stream at shutdown', async () => {
    const world = new World();
    const gone = follow(world);
    await settle();
    world.record = null;
    world.listener?.();
    await settle();
    expect(gone.isCompleted()).toBe(true);

    const other = new World();
    const open = follow(other);
    await settle();
    expect(open.isCompleted()).toBe(false);
    await open.service.onModuleDestroy();
    expect(open.isCompleted()).toBe(true);
    expect(other.stopped).toBe(1);
  });
});
