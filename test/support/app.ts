import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createApp } from '../../src/app.factory';
import { AppConfig, loadAppConfig } from '../../src/config/app-config';

export function testRedisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (!url)
    throw new Error(
      'TEST_REDIS_URL is not set: run the tests through jest (global setup starts Redis)',
    );
  return url;
}

/** Registers the test-only `test_sleep` behavior (BEHAVIOR_MODULES), in the API and its threads. */
export const TEST_BEHAVIOR_MODULE = join(__dirname, 'test-sleep.behavior.ts');

/** Config for a test app: its own key prefix, the test behavior registered, quiet logs. */
export function testConfig(env: Record<string, string> = {}): AppConfig {
  return loadAppConfig({
    REDIS_URL: testRedisUrl(),
    KEY_PREFIX: `t-${randomUUID().slice(0, 8)}`,
    BEHAVIOR_MODULES: TEST_BEHAVIOR_MODULE,
    EMBEDDING_PROVIDER: 'lexical',
    LOG_LEVEL: 'error',
    ...env,
  });
}

type Http = ReturnType<typeof request>;

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  /**
   * The test's usual client. With access control off it sends `Content-Type: application/json`
   * on every request, as a frontend must for a POST or DELETE without a body (the CSRF rule);
   * with access control on it sends nothing extra: use `as(token)`.
   */
  http: Http;
  /** A client without default headers. */
  raw: Http;
  /** A client that sends `Authorization: Bearer <token>` on every request. */
  as(token: string): Http;
  close(): Promise<void>;
}

export async function startTestApp(
  env: Record<string, string> = {},
  config = testConfig(env),
): Promise<TestApp> {
  const app = await createApp(config);
  await app.init();
  // Fastify builds its router when it is ready; supertest then calls the plain Node server.
  await app.getHttpAdapter().getInstance().ready();
  const server = app.getHttpServer() as Parameters<typeof request>[0];
  const raw = request(server);
  const as = (token: string): Http => request.agent(server).set('Authorization', `Bearer ${token}`);
  const http =
    config.auth === null ? request.agent(server).set('Content-Type', 'application/json') : raw;
  return { app, config, http, raw, as, close: () => app.close() };
}

export const CLASS_ANSWERS = [
  { name: 'ana@school.edu', text: 'Solar panels on every roof would cut our electricity bills.' },
  { name: 'ben@school.edu', text: 'Home batteries store solar power for the evening.' },
  { name: 'cy@school.edu', text: 'Wind turbines along the coast produce cheap energy.' },
  { name: 'di@school.edu', text: 'Offshore wind farms can power whole cities.' },
  { name: 'ed@school.edu', text: 'Nuclear plants give steady power without carbon emissions.' },
  { name: 'fay@school.edu', text: 'Nuclear energy is safe when plants are well regulated.' },
  { name: 'gus@school.edu', text: 'Buses and bikes reduce traffic and pollution in cities.' },
  { name: 'hal@school.edu', text: 'Cycling lanes and cheap buses make cities cleaner.' },
];

/** Creates a deployment with the given behaviors and the class's answers. */
export async function createDeployment(
  t: TestApp,
  behaviors: Record<string, { type: string; config?: Record<string, unknown> }>,
  answers = CLASS_ANSWERS,
): Promise<string> {
  const created = await t.http
    .post('/api/page-deployments')
    .send({ title: 'Test class', behaviors })
    .expect(201);
  const id = (created.body as { id: string }).id;
  await t.http
    .put(`/api/page-deployments/${id}/submissions`)
    .send({ submissions: answers })
    .expect(200);
  return id;
}

export interface StatusBody {
  task_id: string;
  state: 'PENDING' | 'PROGRESS' | 'SUCCESS' | 'FAILURE';
  status: string;
  progress: number;
  stage: string;
  result: Record<string, unknown> | null;
  error: string | null;
  attempt: number;
}

/** Polls a task until it is SUCCESS or FAILURE, like the note's frontend; returns every status seen. */
export async function pollUntilDone(
  t: TestApp,
  deploymentId: string,
  taskId: string,
  timeoutMs = 30_000,
  intervalMs = 20,
): Promise<StatusBody[]> {
  const seen: StatusBody[] = [];
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await t.http
      .get(`/api/page-deployments/${deploymentId}/behaviors/tasks/${taskId}`)
      .expect(200);
    const body = res.body as StatusBody;
    seen.push(body);
    if (body.state === 'SUCCESS' || body.state === 'FAILURE') return seen;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `Task ${taskId} did not finish within ${timeoutMs} ms; last: ${JSON.stringify(seen.at(-1))}`,
  );
}

/**
 * Waits until the task reports the given state and at least `minProgress`. Before cancelling a
 * running task, wait for 40: the behavior itself is then running in its thread.
 */
export async function waitForState(
  t: TestApp,
  deploymentId: string,
  taskId: string,
  state: StatusBody['state'],
  minProgress = 0,
  timeoutMs = 10_000,
): Promise<StatusBody> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await t.http.get(`/api/page-deployments/${deploymentId}/behaviors/tasks/${taskId}`);
    const body = res.body as StatusBody;
    if (body.state === state && body.progress >= minProgress) return body;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`Task ${taskId} never reached ${state}`);
}
