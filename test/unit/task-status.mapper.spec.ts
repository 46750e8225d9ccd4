import { toTaskStatus } from '../../src/tasks/task-status.mapper';
import { TaskRecord } from '../../src/tasks/task.types';
import { taskRecord } from '../support/fakes';

const base: TaskRecord = taskRecord();

describe('toTaskStatus', () => {
  it('maps a queued task to PENDING / pending / 0', () => {
    const s = toTaskStatus(base);
    expect([s.state, s.stage, s.progress, s.status]).toEqual([
      'PENDING',
      'pending',
      0,
      'Task is waiting to be processed...',
    ]);
    expect(s.result).toBeNull();
    expect(s.error).toBeNull();
  });

  it("passes a running task's own progress, stage and sentence through", () => {
    const s = toTaskStatus({
      ...base,
      lifecycle: 'running',
      stage: 'execution',
      progress: 60,
      status: 'Performing hierarchical clustering...',
    });
    expect([s.state, s.stage, s.progress, s.status]).toEqual([
      'PROGRESS',
      'execution',
      60,
      'Performing hierarchical clustering...',
    ]);
  });

  it('maps success to SUCCESS / completed / 100 with the parsed result', () => {
    const s = toTaskStatus({
      ...base,
      lifecycle: 'succeeded',
      stage: 'completed',
      progress: 100,
      result: '{"success":true,"groups":{}}',
    });
    expect([s.state, s.stage, s.progress, s.status]).toEqual([
      'SUCCESS',
      'completed',
      100,
      'Task completed successfully',
    ]);
    // Written by an older worker, without behavior_type: the task record supplies it.
    expect(s.result).toEqual({ behavior_type: 'group_assignment', success: true, groups: {} });
  });

  it('keeps the behavior_type a result was stored with', () => {
    const s = toTaskStatus({
      ...base,
      lifecycle: 'succeeded',
      stage: 'completed',
      progress: 100,
      result: '{"success":true,"behavior_type":"random_grouping","groups":{}}',
    });
    expect(s.result).toEqual({ success: true, behavior_type: 'random_grouping', groups: {} });
  });

  it('maps failure to FAILURE / failed, keeping the progress reached and the message', () => {
    const s = toTaskStatus({
      ...base,
      lifecycle: 'failed',
      stage: 'failed',
      progress: 40,
      error: 'Need at least 2 students',
    });
    expect([s.state, s.stage, s.progress]).toEqual(['FAILURE', 'failed', 40]);
    expect(s.error).toBe('Need at least 2 students');
    expect(s.status).toBe('Task failed: Need at least 2 students');
  });

  it('maps cancellation to a terminal FAILURE with stage cancelled, so polling loops stop', () => {
    const s = toTaskStatus({
      ...base,
      lifecycle: 'cancelled',
      stage: 'cancelled',
      progress: 50,
      error: 'Cancelled by a cancel request',
    });
    expect([s.state, s.stage]).toEqual(['FAILURE', 'cancelled']);
    expect(s.error).toBe('Cancelled by a cancel request');
  });

  it('says when a cancel has been asked for but not yet confirmed', () => {
    const s = toTaskStatus({
      ...base,
      lifecycle: 'running',
      stage: 'execution',
      progress: 45,
      cancel_reason: 'x',
    });
    expect(s.state).toBe('PROGRESS');
    expect(s.status).toBe('Cancellation requested...');
  });
});
