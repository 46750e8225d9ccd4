import { ProgressUpdate } from '../../src/engine/types';
import { HeldProgress } from '../../src/execution/held-progress';

describe('HeldProgress', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000 }));
  afterEach(() => jest.useRealTimers());

  const update = (progress: number): ProgressUpdate => ({
    progress,
    stage: 'execution',
    status: `at ${progress}`,
  });

  function held() {
    const written: number[] = [];
    const progress = new HeldProgress((u) => written.push(u.progress), Date.now() + 100);
    return { progress, written };
  }

  it('writes nothing for a run that ends within the hold', () => {
    const { progress, written } = held();
    progress.report(update(30));
    progress.report(update(60));
    jest.advanceTimersByTime(50);
    progress.close();
    jest.advanceTimersByTime(500);
    expect(written).toEqual([]);
  });

  it('writes the latest update when the hold ends, then each update as it comes', () => {
    const { progress, written } = held();
    progress.report(update(30));
    progress.report(update(40));
    jest.advanceTimersByTime(99);
    expect(written).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(written).toEqual([40]);
    progress.report(update(50));
    progress.report(update(55));
    expect(written).toEqual([40, 50, 55]);
  });

  it('writes at once when the hold is already over', () => {
    const { progress, written } = held();
    jest.advanceTimersByTime(150);
    progress.report(update(70));
    expect(written).toEqual([70]);
  });

  it('writes nothing after the run has ended', () => {
    const { progress, written } = held();
    jest.advanceTimersByTime(150);
    progress.close();
    progress.report(update(80));
    expect(written).toEqual([]);
  });
});
