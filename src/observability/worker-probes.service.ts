import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { getQueueToken } from '@nestjs/bullmq';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ModuleRef } from '@nestjs/core';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { appConfigOf, TypedConfigService } from '../config/config.module';
import { ALL_QUEUES } from '../queue/jobs';
import { REDIS } from '../redis/redis.module';
import { Metrics, readQueueDepths } from './metrics';
import { WorkerRegistry } from './worker-registry';

const PING_TIMEOUT_MS = 1000;

/**
 * A worker-only process has no HTTP API, so its metrics and probes would have nowhere to be
 * read. With WORKER_METRICS_PORT set it serves, on HOST:WORKER_METRICS_PORT and nothing else,
 * `GET /metrics` (its own series) and `GET /health/live`, `GET /health/ready` (Redis answers
 * and its queue workers run). No token: bind it to an address only the scraper and the
 * orchestrator reach (HOST defaults to 127.0.0.1).
 */
@Injectable()
export class WorkerProbes implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerProbes.name);
  private server: Server | null = null;

  constructor(
    private readonly metrics: Metrics,
    private readonly registry: WorkerRegistry,
    private readonly moduleRef: ModuleRef,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(ConfigService) private readonly config: TypedConfigService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { workerMetricsPort: port, host } = appConfigOf(this.config);
    if (port === null) return;
    const queues = ALL_QUEUES.map((name) =>
      this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }),
    );
    const server = createServer((req, res) => void this.answer(req, res, queues));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    this.logger.log(`Metrics and health probes on http://${host}:${port} (/metrics, /health/*)`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async answer(
    req: IncomingMessage,
    res: ServerResponse,
    queues: readonly Queue[],
  ): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET') return send(res, 405, { statusCode: 405, message: 'GET only' });
    if (path === '/metrics') {
      await readQueueDepths(this.metrics, queues);
      res.writeHead(200, { 'Content-Type': this.metrics.registry.contentType });
      res.end(await this.metrics.registry.metrics());
      return;
    }
    if (path === '/health/live') {
      return send(res, 200, {
        status: 'ok',
        info: { process: { status: 'up', pid: process.pid } },
      });
    }
    if (path === '/health/ready') {
      const redis = await this.pingRedis();
      const stopped = this.registry.stopped();
      const queuesServed = this.registry.served.map((q) => q.queue);
      const checks = {
        redis: redis === null ? { status: 'up' } : { status: 'down', message: redis },
        workers:
          stopped.length === 0
            ? { status: 'up', queues: queuesServed }
            : { status: 'down', queues: queuesServed, stopped },
      };
      const ok = redis === null && stopped.length === 0;
      // The same shape as the API's terminus answer.
      const info = Object.fromEntries(Object.entries(checks).filter(([, c]) => c.status === 'up'));
      const error = Object.fromEntries(
        Object.entries(checks).filter(([, c]) => c.status === 'down'),
      );
      return send(res, ok ? 200 : 503, {
        status: ok ? 'ok' : 'error',
        info,
        error,
        details: checks,
      });
    }
    send(res, 404, { statusCode: 404, message: 'Only /metrics, /health/live and /health/ready' });
  }

  /** Null when Redis answers PING in time, else why not. */
  private async pingRedis(): Promise<string | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('no answer to PING')), PING_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.redis.ping(), timeout]);
      return null;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    } finally {
      clearTimeout(timer);
    }
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
