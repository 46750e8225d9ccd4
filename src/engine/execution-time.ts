/**
 * Formats a duration the way Python's `str(datetime.timedelta)` does, because the old frontend
 * shows `result.execution_time` verbatim: `H:MM:SS` with `.ffffff` only when there are
 * microseconds, and `N day(s), ` in front past 24 hours.
 */
export function formatTimedelta(totalMicroseconds: number): string {
  const micros = Math.max(0, Math.round(totalMicroseconds));
  const microsPerDay = 86_400_000_000;
  const days = Math.floor(micros / microsPerDay);
  let rest = micros - days * microsPerDay;
  const hours = Math.floor(rest / 3_600_000_000);
  rest -= hours * 3_600_000_000;
  const minutes = Math.floor(rest / 60_000_000);
  rest -= minutes * 60_000_000;
  const seconds = Math.floor(rest / 1_000_000);
  const fraction = rest - seconds * 1_000_000;
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  let text = `${hours}:${pad(minutes, 2)}:${pad(seconds, 2)}`;
  if (fraction > 0) text += `.${pad(fraction, 6)}`;
  if (days > 0) text = `${days} day${days === 1 ? '' : 's'}, ${text}`;
  return text;
}
