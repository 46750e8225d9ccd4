import { formatTimedelta } from '../../src/engine/execution-time';

// Expected strings are what Python prints for str(timedelta(microseconds=...)).
describe('formatTimedelta (Python str(timedelta))', () => {
  it.each([
    [0, '0:00:00'],
    [1, '0:00:00.000001'],
    [1_234_567, '0:00:01.234567'],
    [135_123_456, '0:02:15.123456'],
    [3_600_000_000, '1:00:00'],
    [36_000_000_000 + 5, '10:00:00.000005'],
    [86_400_000_000, '1 day, 0:00:00'],
    [2 * 86_400_000_000 + 61_500_000, '2 days, 0:01:01.500000'],
  ])('%d us -> %s', (micros, expected) => {
    expect(formatTimedelta(micros)).toBe(expected);
  });

  it('rounds fractional microseconds and never goes negative', () => {
    expect(formatTimedelta(1.6)).toBe('0:00:00.000002');
    expect(formatTimedelta(-5)).toBe('0:00:00');
  });
});
