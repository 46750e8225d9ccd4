import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import Redis from 'ioredis';
import { Public } from '../auth/access.decorators';
import { QUEUE_REDIS, REDIS } from '../redis/redis.module';
import { WorkerRegistry } from './worker-registry';

const PING_TIMEOUT_MS = 1000;

/**
 * Liveness and readiness, public so that an orchestrator's probe needs no token. Live: the
 * process answers. Ready: Redis answers PING, and every queue worker of this process runs.
 * The body is terminus's (`status`, `info`, `error`, `details`) on 200 and 503 alike.
 */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly registry: WorkerRegistry,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(QUEUE_REDIS) private readonly producer: Redis,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers', operationId: 'getLiveness' })
  @HealthCheck({ swaggerDocumentation: true })
  live(): Promise<HealthCheckResult> {
    return this.health.check([
      () => Promise.resolve(this.indicator.check('process').up({ pid: process.pid })),
    ]);
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: Redis answers and this process’s queue workers run (503 otherwise)',
    operationId: 'getReadiness',
  })
  @HealthCheck({ swaggerDocumentation: true })
  async ready(@Res({ passthrough: true }) res: FastifyReply): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.redisUp(),
        () => Promise.resolve(this.workersUp()),
      ]);
    } catch (err) {
      // Keep terminus's body (which check failed and why) rather than the generic error shape.
      if (!(err instanceof ServiceUnavailableException)) throw err;
      void res.status(503);
      return err.getResponse() as HealthCheckResult;
    }
  }

  private async redisUp() {
    const check = this.indicator.check('redis');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('no answer to PING')), PING_TIMEOUT_MS);
    });
    try {
      // Both connections: the store's, and the one triggers create and queue their tasks on.
      await Promise.race([Promise.all([this.redis.ping(), this.producer.ping()]), timeout]);
      return check.up();
    } catch (err) {
      return check.down({ message: err instanceof Error ? err.message : String(err) });
    } finally {
      clearTimeout(timer);
    }
  }

  private workersUp() {
    const check = this.indicator.check('workers');
    const queues = this.registry.served.map((q) => q.queue);
    const stopped = this.registry.stopped();
    return stopped.length === 0 ? check.up({ queues }) : check.down({ queues, stopped });
  }
}
