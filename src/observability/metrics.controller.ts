import { InjectQueue } from '@nestjs/bullmq';
import {
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  Header,
  Inject,
  Injectable,
  UseGuards,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiExcludeController } from '@nestjs/swagger';
import { Queue } from 'bullmq';
import { Request } from 'express';
import { Public } from '../auth/access.decorators';
import { Authenticator } from '../auth/authenticator.service';
import { setPrincipal } from '../auth/principal';
import { ForbiddenError } from '../common/errors';
import { appConfigOf, TypedConfigService } from '../config/config.module';
import { QueueName } from '../queue/jobs';
import { Metrics } from './metrics';

const DEPTH_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'paused'] as const;

/**
 * /metrics is for admins (a scraper sends an admin token as its bearer credentials), or for
 * anyone when METRICS_PUBLIC is on, for a scraper on a private network without tokens.
 */
@Injectable()
export class MetricsAccessGuard implements CanActivate {
  private readonly open: boolean;

  constructor(
    private readonly authenticator: Authenticator,
    @Inject(ConfigService) config: TypedConfigService,
  ) {
    this.open = appConfigOf(config).metricsPublic;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.open) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const result = await this.authenticator.authenticate(req);
    if ('error' in result) throw result.error;
    if (result.principal.role !== 'admin')
      throw new ForbiddenError(`Metrics are for admin tokens, not a ${result.principal.role}`);
    setPrincipal(req, result.principal);
    return true;
  }
}

/** Prometheus text format; not in the OpenAPI document (it is not JSON). */
@ApiExcludeController()
@Public()
@UseGuards(MetricsAccessGuard)
@Controller('metrics')
export class MetricsController {
  private readonly queues: Queue[];

  constructor(
    private readonly metrics: Metrics,
    @InjectQueue(QueueName.GroupAssignment) groupAssignment: Queue,
    @InjectQueue(QueueName.ThemeCreation) themeCreation: Queue,
    @InjectQueue(QueueName.LightBehaviors) lightBehaviors: Queue,
  ) {
    this.queues = [groupAssignment, themeCreation, lightBehaviors];
  }

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async scrape(): Promise<string> {
    await this.readQueueDepths();
    return this.metrics.registry.metrics();
  }

  /** Depths are shared by every process, so they are read from the queues at each scrape. */
  private async readQueueDepths(): Promise<void> {
    const gauge = this.metrics.queueDepth;
    await Promise.all(
      this.queues.map(async (queue) => {
        try {
          const counts = await queue.getJobCounts(...DEPTH_STATES);
          for (const state of DEPTH_STATES)
            gauge.set({ queue: queue.name, state }, counts[state] ?? 0);
        } catch {
          // Redis unreachable: no depth rather than a stale one; the rest still answers.
          for (const state of DEPTH_STATES) gauge.remove({ queue: queue.name, state });
        }
      }),
    );
  }
}
