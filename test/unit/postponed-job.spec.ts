import { DelayedError } from 'bullmq';
import { ExecutionOutcome, ExecutionService } from '../../src/execution/execution.service';
import { WorkerRegistry } from '../../src/observability/worker-registry';
import { BehaviorJob } from '../../src/processors/behavior-job.processor';
import { LightBehaviorsProcessor } from '../../src/processors/light-behaviors.processor';
import { JobName } from '../../src/queue/jobs';
import { configService, fake } from '../support/fakes';

/** A job as BullMQ hands it to the processor, recording where it is moved. */
function job(attemptsStarted: number) {
  const moves: { until: number; token?: string }[] = [];
  const j = fake<BehaviorJob>({
    name: JobName.RunBehavior,
    queueName: 'light-behaviors',
    attemptsStarted,
    data: { task_id: 't1', deployment_id: 'd1', behavior_number: '1', behavior_type: 'x' },
    moveToDelayed: (until: number, token?: string) => {
      moves.push({ until, token });
      return Promise.resolve();
    },
  });
  return { j, moves };
}

function processor(outcome: ExecutionOutcome) {
  const execution = fake<ExecutionService>({ runJob: () => Promise.resolve(outcome) });
  return new LightBehaviorsProcessor(execution, configService(), new WorkerRegistry());
}

describe('a job whose worker could not reach Redis to start it', () => {
  it('goes back to the queue as delayed, not failed, and waits longer on each try up to 30 s', async () => {
    const p = processor({ kind: 'postponed', delayMs: 1000 });
    for (const [tries, wait] of [
      [1, 1000],
      [3, 3000],
      [100, 30_000],
    ] as const) {
      const { j, moves } = job(tries);
      const before = Date.now();
      await expect(p.process(j, 'tok')).rejects.toBeInstanceOf(DelayedError);
      expect(moves).toHaveLength(1);
      expect(moves[0].token).toBe('tok');
      expect(moves[0].until - before).toBeGreaterThanOrEqual(wait);
      expect(moves[0].until - Date.now()).toBeLessThanOrEqual(wait);
    }
  });

  it('is not moved when its run succeeded', async () => {
    const { j, moves } = job(1);
    await processor({ kind: 'succeeded', resultJson: '{}' }).process(j, 'tok');
    expect(moves).toEqual([]);
  });
});
