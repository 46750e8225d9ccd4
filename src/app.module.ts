import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AccessGuard } from './auth/access.guard';
import { AuthModule } from './auth/auth.module';
import { RateLimitGuard, RateLimitModule } from './auth/rate-limit';
import { SameOriginGuard } from './auth/same-origin.guard';
import { BehaviorsModule } from './behaviors/behaviors.module';
import { AllExceptionsFilter } from './common/http-exception.filter';
import { AppConfig, WorkerQueueName } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { DeploymentAccessGuard } from './deployments/deployment-access';
import { DeploymentsModule } from './deployments/deployments.module';
import { ExecutionModule } from './execution/execution.module';
import { MonitoringModule, ObservabilityModule } from './observability/observability.module';
import { ProcessorsModule } from './processors/processors.module';
import { QueueName } from './queue/jobs';
import { RedisModule } from './redis/redis.module';
import { TasksModule } from './tasks/tasks.module';

const QUEUE_BY_NAME: Record<WorkerQueueName, QueueName> = {
  'group-assignment': QueueName.GroupAssignment,
  'theme-creation': QueueName.ThemeCreation,
  'light-behaviors': QueueName.LightBehaviors,
};

/** The queues this process's workers serve (WORKER_QUEUES). */
function servedQueues(config: AppConfig): QueueName[] {
  return config.workerQueues.map((q) => QUEUE_BY_NAME[q]);
}

const guard = (type: unknown) => ({
  provide: APP_GUARD,
  useFactory: (g: unknown) => g,
  inject: [type as never],
});

/** The HTTP API, with queue workers embedded unless EMBEDDED_WORKERS is off. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        RedisModule,
        ObservabilityModule.forRoot(config),
        MonitoringModule,
        AuthModule,
        ...(config.rateLimitPerMinute > 0
          ? [RateLimitModule.forRoot(config.rateLimitPerMinute)]
          : []),
        ExecutionModule.forRoles({ sync: true, queue: config.embeddedWorkers }),
        DeploymentsModule,
        BehaviorsModule,
        TasksModule,
        ...(config.embeddedWorkers ? [ProcessorsModule.forQueues(servedQueues(config))] : []),
      ],
      providers: [
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        // In this order: cheap refusals first, the rate limit before the token decides anything
        // else (it authenticates itself to count per subject), then who may call the route,
        // then who may touch the deployment in its path.
        guard(SameOriginGuard),
        ...(config.rateLimitPerMinute > 0 ? [guard(RateLimitGuard)] : []),
        guard(AccessGuard),
        guard(DeploymentAccessGuard),
      ],
    };
  }
}

/** Workers only, no HTTP and no HTTP feature: `src/worker.ts`. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        AppConfigModule.forRoot(config),
        RedisModule,
        ObservabilityModule.forRoot(config, { workerProbes: true }),
        ExecutionModule.forRoles({ sync: false, queue: true }),
        ProcessorsModule.forQueues(servedQueues(config)),
      ],
    };
  }
}
