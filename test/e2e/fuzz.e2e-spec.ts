import { seededRandom } from '../../src/engine/random';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Redis from 'ioredis';
import request from 'supertest';
import {
  CLASS_ANSWERS,
  createDeployment,
  startTestApp,
  TestApp,
  testRedisUrl,
} from '../support/app';

/**
 * Hostile requests to every operation of the OpenAPI document, generated from a fixed seed. Every
 * request that could change data is one that must fail (a hostile path parameter or an invalid
 * body), so the seeded deployment's keys must be exactly as they were afterwards.
 */

const SEED = 0x5eed;
const REQUESTS_PER_OPERATION = 150;
const MAX_LATENCY_MS = 1_000;
const MAX_LOOP_DELAY_MS = 100;

interface Operation {
  parameters?: { name: string; in: string }[];
  requestBody?: unknown;
}
type Doc = { paths: Record<string, Record<string, Operation>> };
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The engine's seeded generator: the same sequence on every machine. */
const prng = seededRandom;

/** A path segment: `raw` goes into the URL as it is, anything else is percent-encoded. */
interface Segment {
  text: string;
  raw?: boolean;
}

/** What a fuzzed request sends: JSON text, bytes with an encoding, or a form. */
interface Body {
  kind: string;
  data: string | Buffer;
  type?: string;
  encoding?: string;
}

const deep = (depth: number, inner = '1') => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const manyKeys = (n: number, prefix = 'p') =>
  `{${Array.from({ length: n }, (_, i) => `"${prefix}${i}":"a"`).join(',')}}`;
const GZIP_GARBAGE = Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.alloc(64, 0xa5)]);
const BR_GARBAGE = Buffer.concat([Buffer.from([0xce, 0xb2, 0xcf, 0x81]), Buffer.alloc(64, 0x5a)]);

/** Bodies that no route accepts: each has at least one defect that must be refused. */
function hostileBodies(): Body[] {
  const json = (kind: string, data: string): Body => ({ kind, data, type: 'application/json' });
  const huge = 'x'.repeat(100_000);
  return [
    json('deep array 10k', `{"title":"x","behaviors":{},"z":${deep(10_000)}}`),
    json('deep submissions 10k', `{"submissions":${deep(10_000, '{"name":"a","text":"b"}')}}`),
    json('deep object 40', `{"title":"x","behaviors":${deepObject(40)}}`),
    json('deep behavior_number', `{"behavior_number":${deep(5_000)}}`),
    json('nested submissions', '{"submissions":[[{"name":"a","text":"b"}]]}'),
    json('wrong types', '{"title":42,"behaviors":[]}'),
    json('wrong submissions type', '{"submissions":"everyone"}'),
    json('wrong behavior_number type', '{"behavior_number":1,"async_execution":"yes"}'),
    json('array body', '[]'),
    json('null body', 'null'),
    json('string body', '"hello"'),
    json('number body', '12345678901234567890'),
    json('huge title', JSON.stringify({ title: huge, behaviors: {} })),
    json('huge name', JSON.stringify({ submissions: [{ name: huge, text: 't' }] })),
    json('huge behavior_number', JSON.stringify({ behavior_number: huge })),
    json('huge key', JSON.stringify({ [huge.slice(0, 5_000)]: 1, behavior_number: '1' })),
    json('__proto__ top', '{"__proto__":{"polluted":true},"title":"x","behaviors":{}}'),
    json('__proto__ trigger', '{"__proto__":{"polluted":true},"behavior_number":"1"}'),
    json(
      '__proto__ responses',
      '{"submissions":[{"name":"z@x","text":"t","responses":{"__proto__":"x"}}]}',
    ),
    json('constructor behaviors', '{"title":"x","behaviors":{"constructor":{"type":"group"}}}'),
    json('constructor top', '{"constructor":{"prototype":{"polluted":true}},"title":"x"}'),
    json('prototype key', '{"behavior_number":"1","prototype":{}}'),
    json(
      'regex name with NUL',
      JSON.stringify({ submissions: [{ name: '(.*)*\u0000', text: 't' }] }),
    ),
    json('regex behavior key', JSON.stringify({ title: 'x', behaviors: { '(.*)*+[': {} } })),
    json('regex behavior_number', JSON.stringify({ behavior_number: '(a+)+$' })),
    json(
      'NUL prompt id',
      JSON.stringify({ submissions: [{ name: 'a', text: 't', responses: { 'p\u0000(': 'x' } }] }),
    ),
    json('unknown field', JSON.stringify({ title: 'x', behaviors: {}, 'owner$^': 'me' })),
    json('unknown trigger field', JSON.stringify({ behavior_number: '1', 'x\u0000': 1 })),
    json(
      'unknown submission field',
      JSON.stringify({ submissions: [{ name: 'n', text: 't' }], x: 1 }),
    ),
    json('300 prompts', `{"submissions":[{"name":"a","text":"t","responses":${manyKeys(300)}}]}`),
    json('5000 keys', manyKeys(5_000, 'k')),
    json(
      '6000 submissions',
      JSON.stringify({
        submissions: Array.from({ length: 6_000 }, (_, i) => ({ name: `n${i}`, text: 't' })),
      }),
    ),
    json('malformed', '{"title": '),
    json('trailing comma', '{"behavior_number":"1",}'),
    json('NUL text', '\u0000'),
    { kind: 'gzip garbage', data: GZIP_GARBAGE, type: 'application/json', encoding: 'gzip' },
    { kind: 'br garbage', data: BR_GARBAGE, type: 'application/json', encoding: 'br' },
    {
      kind: 'deflate garbage',
      data: Buffer.from('not deflate'),
      type: 'application/json',
      encoding: 'deflate',
    },
    {
      kind: 'form',
      data: 'title=x&behaviors[1][type]=group&behavior_number=1',
      type: 'application/x-www-form-urlencoded',
    },
    { kind: 'text', data: '{"behavior_number":"1"}', type: 'text/plain' },
  ];
}

/** Path values that must never reach a Redis key: each answers 4xx. */
function hostileIds(real: string): Segment[] {
  return [
    { text: `${real}:subs` },
    { text: `${real}:vars` },
    { text: `${real}:history` },
    { text: `${real}:lock:1` },
    { text: real.toUpperCase() },
    { text: `${real} ` },
    { text: 'x'.repeat(10_000) },
    { text: '%00', raw: true },
    { text: `${real}%00`, raw: true },
    { text: 'a/b', raw: true },
    { text: '%E0%A4%A', raw: true },
    { text: '..', raw: true },
    { text: ':' },
    { text: '*' },
    { text: '(.*)*' },
    { text: '__proto__' },
    { text: 'constructor' },
    { text: '\u0000' },
    { text: '1e400' },
  ];
}

function hostileNames(): Segment[] {
  return [
    { text: '(.*)*\u0000' },
    { text: '[' },
    { text: '\\' },
    { text: 'a\nb' },
    { text: 'x'.repeat(10_000) },
    { text: '%00', raw: true },
    { text: '%E0%A4%A', raw: true },
    { text: '\u0007' },
  ];
}

const HOSTILE_NUMBERS = [
  '99999999999999999999',
  '1000001',
  '1001',
  '-1',
  '0',
  'abc',
  '1.5',
  '1e3',
  'NaN',
  '',
  '%00',
];

/**
 * CPU time of this process's main thread, in ms: the event loop's own work, not that of the
 * runner threads and the GC's helpers, which `process.cpuUsage()` adds in (it once made this
 * test fail on a busy run). Linux gives it per thread, in 10-ms ticks; elsewhere, the process's.
 */
function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, at 100 ticks/s
  } catch {
    const cpu = process.cpuUsage();
    return (cpu.user + cpu.system) / 1000;
  }
}

/**
 * The longest stall of this process's event loop that its main thread spent on the CPU. The
 * machine running the tests is shared: a stall while the thread was merely not scheduled shows
 * in monitorEventLoopDelay but is no blocking of ours, and is left out here.
 */
function cpuBoundStalls(): { stop(): number } {
  let last = performance.now();
  let lastCpu = mainThreadCpuMs();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    const cpu = mainThreadCpuMs();
    const stall = now - last - 5;
    if (stall > 0) worst = Math.max(worst, Math.min(stall, cpu - lastCpu));
    last = now;
    lastCpu = cpu;
  }, 5);
  return {
    stop() {
      clearInterval(timer);
      return worst;
    },
  };
}

async function snapshot(redis: Redis, prefix: string): Promise<Record<string, unknown>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    // BullMQ's own bookkeeping (worker heartbeats, stalled checks) and our workers' heartbeat
    // records change on their own timers, and rate-limit counters count every request, as they
    // should.
    const moving = ['bull:', 'rl:', 'worker:', 'workers'].map((part) => `${prefix}:${part}`);
    keys.push(...batch.filter((k) => !moving.some((m) => k.startsWith(m))));
  } while (cursor !== '0');
  const out: Record<string, unknown> = {};
  for (const key of keys.sort()) {
    const type = await redis.type(key);
    if (type === 'string') out[key] = await redis.get(key);
    else if (type === 'hash') out[key] = await redis.hgetall(key);
    else if (type === 'set') out[key] = (await redis.smembers(key)).sort();
    else if (type === 'zset') out[key] = await redis.zrange(key, 0, -1, 'WITHSCORES');
    else if (type === 'list') out[key] = await redis.lrange(key, 0, -1);
    else out[key] = type;
  }
  return out;
}

describe('Fuzz: hostile requests to every documented route (HTTP)', () => {
  let t: TestApp;
  let redis: Redis;
  beforeAll(async () => {
    t = await startTestApp({ MAX_BODY_SIZE: '1mb' });
    redis = new Redis(testRedisUrl());
  });
  afterAll(async () => {
    redis.disconnect();
    await t.close();
  });

  it('answers every one with a 4xx in the one shape (GETs may succeed), fast, changing nothing', async () => {
    const doc = (await t.http.get('/api/docs-json').expect(200)).body as Doc;
    const deploymentId = await createDeployment(t, {
      '1': { type: 'random_grouping', config: { group_size: 2 } },
    });
    const run = await t.http
      .post(`/api/page-deployments/${deploymentId}/behaviors/trigger`)
      .send({ behavior_number: '1' })
      .expect(200);
    const taskId = (run.body as { task_id: string }).task_id;
    const before = await snapshot(redis, t.config.keyPrefix);
    expect(Object.keys(before).length).toBeGreaterThanOrEqual(4);

    const random = prng(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const bodies = hostileBodies();
    const realValues: Record<string, string> = {
      deploymentId,
      taskId,
      name: CLASS_ANSWERS[0].name,
      studentName: CLASS_ANSWERS[0].name,
    };
    const hostileFor = (param: string): Segment[] =>
      param === 'deploymentId'
        ? hostileIds(deploymentId)
        : param === 'taskId'
          ? hostileIds(taskId)
          : hostileNames();

    const server = t.app.getHttpServer() as Parameters<typeof request>[0];
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const stalls = cpuBoundStalls();
    let count = 0;
    let maxLatency = 0;
    const failures: string[] = [];
    const operations: string[] = [];
    for (const [template, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods) as [Method, Operation][]) {
        operations.push(`${method.toUpperCase()} ${template}`);
        const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
        const queryParams = (op.parameters ?? [])
          .filter((p) => p.in === 'query')
          .map((p) => p.name);
        for (let i = 0; i < REQUESTS_PER_OPERATION; i++) {
          // A request that could write must fail: without a body to refuse, a path value must.
          const mustFail = method !== 'get';
          const forceHostile = mustFail && op.requestBody === undefined;
          const hostileIndex = forceHostile ? Math.floor(random() * pathParams.length) : -1;
          let path = template;
          for (const [index, param] of pathParams.entries()) {
            const hostile = index === hostileIndex || random() < 0.6;
            const value: Segment = hostile ? pick(hostileFor(param)) : { text: realValues[param] };
            path = path.replace(
              `{${param}}`,
              value.raw ? value.text : encodeURIComponent(value.text),
            );
          }
          if (queryParams.length > 0 && random() < 0.7) {
            const query = queryParams.map((q) => `${q}=${pick(HOSTILE_NUMBERS)}`);
            if (random() < 0.2) query.push(`${queryParams[0]}=1&${queryParams[0]}=2`);
            if (random() < 0.1) query.push(`${queryParams[0]}[a][b]=1`);
            path = `${path}?${query.join('&')}`;
          }
          const sendsBody = op.requestBody !== undefined || random() < 0.3;
          const body = sendsBody ? pick(bodies) : null;
          let req = request(server)[method](path);
          if (body !== null) {
            if (body.type !== undefined) req = req.set('content-type', body.type);
            if (body.encoding !== undefined) req = req.set('content-encoding', body.encoding);
            req = req.send(body.data);
          }
          const started = performance.now();
          const res = await req;
          const latency = performance.now() - started;
          maxLatency = Math.max(maxLatency, latency);
          count++;
          const what = `${method.toUpperCase()} ${path.slice(0, 120)} [${body?.kind ?? 'no body'}] -> ${res.status}`;
          if (res.status >= 500) failures.push(`${what}: ${res.text.slice(0, 200)}`);
          else if (mustFail && res.status < 400) failures.push(`${what}: accepted`);
          else if (latency > MAX_LATENCY_MS)
            failures.push(`${what}: took ${Math.round(latency)} ms`);
          else if (res.status >= 400) {
            const b = res.body as Record<string, unknown>;
            if (
              b.statusCode !== res.status ||
              typeof b.error !== 'string' ||
              typeof b.message !== 'string'
            )
              failures.push(`${what}: not the error shape: ${res.text.slice(0, 200)}`);
          }
        }
      }
    }
    loop.disable();
    const maxLoopDelayMs = loop.max / 1e6;
    const maxCpuStallMs = stalls.stop();
    const overloaded = loadavg()[0] > availableParallelism();
    const after = await snapshot(redis, t.config.keyPrefix);
    // The figures the README and the hand-over quote; printed only with FUZZ_REPORT=1.
    if (process.env.FUZZ_REPORT === '1') {
      console.log(
        `fuzz: ${count} requests over ${operations.length} operations, max latency ${maxLatency.toFixed(0)} ms, ` +
          `max event-loop delay ${maxLoopDelayMs.toFixed(0)} ms (of it on our CPU: ${maxCpuStallMs.toFixed(0)} ms), ` +
          `load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`,
      );
    }
    expect(operations.length).toBeGreaterThanOrEqual(19);
    expect(failures.slice(0, 20)).toEqual([]);
    expect(maxLatency).toBeLessThan(MAX_LATENCY_MS);
    // Blocking by our own code always fails the test; wall-clock delay only when the machine
    // is not overloaded by other processes (then it measures them, not us).
    expect(maxCpuStallMs).toBeLessThan(MAX_LOOP_DELAY_MS);
    if (!overloaded) expect(maxLoopDelayMs).toBeLessThan(MAX_LOOP_DELAY_MS);
    expect(after).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
