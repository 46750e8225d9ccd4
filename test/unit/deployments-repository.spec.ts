import Redis from 'ioredis';
import { DeploymentsRepository } from '../../src/deployments/deployments.repository';
import { StoredSubmission } from '../../src/deployments/deployment.types';
import { RedisKeys } from '../../src/redis/redis-keys';

const submission = (name: string, chars: number): StoredSubmission => ({
  name,
  text: name.repeat(Math.ceil(chars / name.length)).slice(0, chars),
  updated_at: '2024-01-01T00:00:00.000Z',
});

/**
 * What happened while allSubmissions ran, in order: `parse` for each submission parsed, `turn`
 * for each turn of the event loop (a ticker that re-arms itself with setImmediate).
 */
async function timeline(repo: DeploymentsRepository) {
  const events: Array<'parse' | 'turn'> = [];
  const parse = JSON.parse;
  jest.spyOn(JSON, 'parse').mockImplementation((text: string) => {
    if (text.startsWith('{"name"')) events.push('parse');
    return parse(text) as unknown;
  });
  let ticking = true;
  const tick = () => {
    if (!ticking) return;
    events.push('turn');
    setImmediate(tick);
  };
  setImmediate(tick);
  try {
    const all = await repo.allSubmissions('d');
    return { all, events: events.join(' ') };
  } finally {
    ticking = false;
    jest.restoreAllMocks();
  }
}

/**
 * The hash as Redis returns it, without a server: a real reply of megabytes leaves ioredis's
 * parser with a shrink timer that outlives the test, and the reply is not what is tested here.
 */
function repoOver(subs: StoredSubmission[]): DeploymentsRepository {
  const hash = Object.fromEntries(subs.map((s) => [s.name, JSON.stringify(s)]));
  const redis: Pick<Redis, 'hgetall'> & { upsertSubmissions: () => never } = {
    hgetall: () => Promise.resolve(hash),
    upsertSubmissions: () => {
      throw new Error('not used');
    },
  };
  return new DeploymentsRepository(redis as unknown as Redis, new RedisKeys('t'));
}

describe('DeploymentsRepository.allSubmissions', () => {
  it('parses a large class in slices, yielding to the event loop between them', async () => {
    // 120 answers at the length limit (20,000 characters, ~2.4 M in all): a slice of a million
    // characters ends after the 50th.
    const names = Array.from({ length: 120 }, (_, i) => `s${String(1000 - i)}`);
    const subs = names.map((n) => submission(n, 20_000));
    const { all, events } = await timeline(repoOver(subs));
    expect(all.map((s) => s.name)).toEqual([...names].sort());
    expect(all).toEqual([...subs].sort((a, b) => (a.name < b.name ? -1 : 1)));
    expect(events.match(/parse/g)).toHaveLength(120);
    // 50 parses, then the loop turns before the next 50, then again before the last 20.
    expect(events).toMatch(/^(turn )*(parse ){50}(turn )+(parse ){50}(turn )+(parse ){19}parse/);
  });

  it('parses a usual class in one go', async () => {
    const subs = ['y', 'x', 'z'].map((n) => submission(n, 2_000));
    const { all, events } = await timeline(repoOver(subs));
    expect(all.map((s) => s.name)).toEqual(['x', 'y', 'z']);
    expect(events).toMatch(/^(turn )*parse parse parse( turn)*$/);
  });
});

describe('DeploymentsRepository.storedClass', () => {
  it('gives each stored JSON untouched, in the order allSubmissions gives the students', async () => {
    const subs = ['zoë', '__proto__', 'Ana', 'ana', 'b10', 'b9'].map((n) => submission(n, 50));
    // As ioredis gives it: '__proto__' is an own key there, not the object's prototype.
    const hash = Object.fromEntries(subs.map((s) => [s.name, Buffer.from(JSON.stringify(s))]));
    const redis = {
      hgetallBuffer: () => Promise.resolve(hash),
      upsertSubmissions: () => {
        throw new Error('not used');
      },
    };
    const repo = new DeploymentsRepository(redis as unknown as Redis, new RedisKeys('t'));
    const stored = await repo.storedClass('d');
    const parsed = stored.map(
      (b) => JSON.parse(Buffer.from(b).toString('utf8')) as StoredSubmission,
    );
    expect(parsed.map((s) => s.name)).toEqual(['Ana', '__proto__', 'ana', 'b10', 'b9', 'zoë']);
    expect(parsed).toEqual([...subs].sort((a, b) => (a.name < b.name ? -1 : 1)));
    expect(Buffer.from(stored[0]).toString('utf8')).toBe(JSON.stringify(subs[2]));
  });
});
