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
import { FastifyRequest } from 'fastify';
import { Public } from '../auth/access.decorators';
import { Authenticator } from '../auth/authenticator.service';
import { setPrincipal } from '../auth/principal';
import { ForbiddenError } from '../common/errors';
import { appConfigOf, TypedConfigService } from '../config/config.module';
import { QueueName } from '../queue/jobs';
import { Metrics, readQueueDepths } from './metrics';

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
    const req = context.switchToHttp().getRequest<FastifyRequest>();
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
    await readQueueDepths(this.metrics, this.queues);
    return this.metrics.registry.metrics();
  }
}
