import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { BehaviorsModule } from './behaviors/behaviors.module';
import { AllExceptionsFilter } from './common/http-exception.filter';
import { AppConfig, WorkerQueueName } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { DeploymentsModule } from './deployments/deployments.module';
import { ExecutionModule } from './execution/execution.module';
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

/** The HTTP API, with queue workers embedded unless EMBEDDED_WORKERS is off. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        RedisModule,
        ExecutionModule.forRoles({ sync: true, queue: config.embeddedWorkers }),
        DeploymentsModule,
        BehaviorsModule,
        TasksModule,
        ...(config.embeddedWorkers ? [ProcessorsModule.forQueues(servedQueues(config))] : []),
      ],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
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
        ExecutionModule.forRoles({ sync: false, queue: true }),
        ProcessorsModule.forQueues(servedQueues(config)),
      ],
    };
  }
}
