import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AppConfig } from '../config/app-config';
import { QueueModule } from '../queue/queue.module';
import { DashboardLoginController } from './dashboard-login.controller';
import { DashboardSessions } from './dashboard-sessions.service';
import { HealthController } from './health.controller';
import { ROOT_LOGGER } from './http-observation';
import { createRootLogger } from './logging';
import { Metrics } from './metrics';
import { MetricsAccessGuard, MetricsController } from './metrics.controller';
import { WorkerHeartbeat } from './worker-heartbeat.service';
import { WorkerProbes } from './worker-probes.service';
import { WorkerRegistry } from './worker-registry';
import { WorkersController } from './workers.controller';

/**
 * What every process has, API or worker: structured logs, its metrics, and (when it serves
 * queues) the worker registry and its heartbeat in Redis. Global: the task lifecycle, the
 * execution service and the processors report to it.
 */
@Module({})
export class ObservabilityModule {
  /** `workerProbes`: a process without HTTP may serve its metrics and probes on a port. */
  static forRoot(config: AppConfig, { workerProbes = false } = {}): DynamicModule {
    const root = createRootLogger(config);
    return {
      module: ObservabilityModule,
      global: true,
      providers: [
        { provide: ROOT_LOGGER, useValue: root },
        Metrics,
        WorkerRegistry,
        WorkerHeartbeat,
        ...(workerProbes ? [WorkerProbes] : []),
      ],
      exports: [ROOT_LOGGER, Metrics, WorkerRegistry, WorkerHeartbeat],
    };
  }
}

/** The HTTP side: health, metrics, the worker list and the dashboard's sign-in. */
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), QueueModule],
  controllers: [HealthController, MetricsController, WorkersController, DashboardLoginController],
  providers: [DashboardSessions, MetricsAccessGuard],
  exports: [DashboardSessions],
})
export class MonitoringModule {}
