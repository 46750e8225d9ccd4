import { ConfigService } from '@nestjs/config';
import { AppConfig, loadAppConfig } from '../../src/config/app-config';
import { AllConfig, TypedConfigService } from '../../src/config/config.module';
import { BehaviorFailure } from '../../src/engine/errors';
import {
  EndingTask,
  FinishOutcome,
  RequeueOutcome,
  StartOutcome,
  SuccessOutput,
  TaskLifecycle,
} from '../../src/tasks/task-lifecycle.service';
import { TaskStore } from '../../src/tasks/task.store';
import {
  TaskLifecycle as Lifecycle,
  TaskRecord,
  TaskStage,
  TERMINAL,
} from '../../src/tasks/task.types';

/**
 * The one place a hand-written fake becomes the class a constructor asks for. The fakes
 * implement `Pick<Real, 'used' | 'methods'>`, so a renamed or retyped method breaks them at
 * compile time; only the members the code under test never touches are missing.
 */
export function fake<T>(partial: Partial<T>): T {
  return partial as T;
}

/**
 * The validated configuration, as `appConfigOf` reads it (`config.get('app')`). A real
 * ConfigService over an in-memory object: no environment, no files.
 */
export function configService(env: Record<string, string> = {}): TypedConfigService {
  const app: AppConfig = loadAppConfig(env);
  return new ConfigService<AllConfig, true>({ app });
}

export function taskRecord(overrides: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id: 't1',
    deployment_id: 'd1',
    behavior_number: '1',
    behavior_type: 'group_assignment',
    mode: 'async',
    lifecycle: 'queued',
    stage: 'pending',
    progress: 0,
    status: 'Task is waiting to be processed...',
    result: null,
    error: null,
    error_kind: null,
    created_at: '2026-01-01T00:00:00.000Z',
    started_at: null,
    finished_at: null,
    cancel_reason: null,
    input_student_count: null,
    attempt: 0,
    lease_until: null,
    ...overrides,
  };
}

type UsedLifecycle = Pick<
  TaskLifecycle,
  'requestCancel' | 'start' | 'progress' | 'succeed' | 'fail' | 'requeue'
>;

/**
 * Task records in memory, read like TaskStore and written like TaskLifecycle, keeping the few
 * rules of the Lua scripts the services rely on: the first end wins, a success is refused once a
 * cancel was asked for, a task with a cancel request does not start. Every write is logged.
 */
export class FakeTasks implements Pick<TaskStore, 'get'>, UsedLifecycle {
  readonly records = new Map<string, TaskRecord>();
  readonly failures: { id: string; failure: BehaviorFailure }[] = [];
  readonly successes: { id: string; output: SuccessOutput }[] = [];
  readonly cancelRequests: { id: string; reason: string }[] = [];
  readonly progressWrites: { id: string; progress: number; stage: TaskStage }[] = [];

  constructor(...records: TaskRecord[]) {
    for (const r of records) this.records.set(r.id, { ...r });
  }

  get(taskId: string): Promise<TaskRecord | null> {
    const r = this.records.get(taskId);
    return Promise.resolve(r === undefined ? null : { ...r });
  }

  /** Changes a record behind the services' backs (another process at work). */
  set(taskId: string, changes: Partial<TaskRecord>): void {
    const r = this.records.get(taskId);
    if (r === undefined) throw new Error(`no task ${taskId}`);
    this.records.set(taskId, { ...r, ...changes });
  }

  requestCancel(taskId: string, reason: string): Promise<Lifecycle | 'missing'> {
    this.cancelRequests.push({ id: taskId, reason });
    const r = this.records.get(taskId);
    if (r === undefined) return Promise.resolve('missing');
    if (!TERMINAL.includes(r.lifecycle) && r.cancel_reason === null) r.cancel_reason = reason;
    return Promise.resolve(r.lifecycle);
  }

  /** Students per deployment, which start counts. */
  readonly classSizes = new Map<string, number>();

  start(taskId: string, deploymentId: string, leaseUntil = 0): Promise<StartOutcome> {
    const r = this.records.get(taskId);
    const refused = (outcome: 'missing' | 'terminal' | 'cancel'): Promise<StartOutcome> =>
      Promise.resolve({ outcome, attempt: 0 });
    if (r === undefined || r.deployment_id !== deploymentId) return refused('missing');
    if (TERMINAL.includes(r.lifecycle)) return refused('terminal');
    if (r.cancel_reason !== null) return refused('cancel');
    Object.assign(r, {
      lifecycle: 'running',
      input_student_count: this.classSizes.get(deploymentId) ?? 0,
      attempt: r.attempt + 1,
      lease_until: leaseUntil,
    });
    return Promise.resolve({ outcome: 'ok', attempt: r.attempt });
  }

  readonly requeues: { id: string; attempt: number }[] = [];

  requeue(taskId: string, attempt: number, status: string): Promise<RequeueOutcome> {
    this.requeues.push({ id: taskId, attempt });
    const r = this.records.get(taskId);
    if (r === undefined) return Promise.resolve('missing');
    if (TERMINAL.includes(r.lifecycle)) return Promise.resolve('terminal');
    if (r.lifecycle !== 'running' || r.attempt !== attempt) return Promise.resolve('stale');
    Object.assign(r, { lifecycle: 'queued', stage: 'pending', progress: 0, status });
    return Promise.resolve('ok');
  }

  renew(): Promise<boolean> {
    return Promise.resolve(true);
  }

  progress(taskId: string, progress: number, stage: TaskStage): Promise<void> {
    this.progressWrites.push({ id: taskId, progress, stage });
    return Promise.resolve();
  }

  succeed(record: EndingTask, output: SuccessOutput): Promise<FinishOutcome> {
    const r = this.records.get(record.id);
    if (r === undefined) return Promise.resolve('missing');
    if (TERMINAL.includes(r.lifecycle)) return Promise.resolve('terminal');
    if (r.cancel_reason !== null) return Promise.resolve('cancel');
    this.successes.push({ id: record.id, output });
    Object.assign(r, { lifecycle: 'succeeded', stage: 'completed', result: output.result });
    return Promise.resolve('ok');
  }

  fail(record: EndingTask, failure: BehaviorFailure): Promise<FinishOutcome> {
    const r = this.records.get(record.id);
    if (r === undefined) return Promise.resolve('missing');
    if (TERMINAL.includes(r.lifecycle)) return Promise.resolve('terminal');
    this.failures.push({ id: record.id, failure });
    const cancelled = failure.kind === 'cancelled';
    Object.assign(r, {
      lifecycle: cancelled ? 'cancelled' : 'failed',
      stage: cancelled ? 'cancelled' : 'failed',
      error: failure.message,
      error_kind: failure.kind,
    });
    return Promise.resolve('ok');
  }
}
