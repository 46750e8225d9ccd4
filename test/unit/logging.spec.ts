import { PassThrough } from 'node:stream';
import { loadAppConfig } from '../../src/config/app-config';
import { createRootLogger } from '../../src/observability/logging';

/** What a logger built for these settings writes for one info and one debug line. */
function written(env: Record<string, string>): string {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const logger = createRootLogger(loadAppConfig(env), out);
  logger.info({ context: 'TaskLifecycle', taskId: 't-1', event: 'queued' }, 'Task t-1 queued');
  logger.debug({ context: 'ExecutionService', taskId: 't-1' }, 'Task t-1 execution 45%');
  return text;
}

describe('Log output', () => {
  it('is one JSON object a line by default when not on a terminal', () => {
    const lines = written({}).trim().split('\n');
    expect(lines).toHaveLength(1); // info is the default level: the debug line is left out
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'info',
      context: 'TaskLifecycle',
      taskId: 't-1',
      event: 'queued',
      msg: 'Task t-1 queued',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('shows debug lines with LOG_LEVEL=debug', () => {
    const lines = written({ LOG_LEVEL: 'debug' }).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { level: string }).level)).toEqual(['info', 'debug']);
  });

  it('is readable with LOG_FORMAT=pretty, and has no colour codes when not on a terminal', () => {
    const text = written({ LOG_FORMAT: 'pretty' });
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[TaskLifecycle\] Task t-1 queued /);
    expect(text).toContain('"taskId":"t-1"');
    expect(text).not.toContain('\u001b[');
    expect(() => {
      JSON.parse(text.trim());
    }).toThrow();
  });
});
