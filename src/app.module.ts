import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { BehaviorsModule } from './behaviors/behaviors.module';
import { AllExceptionsFilter } from './common/http-exception.filter';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { DeploymentsModule } from './deployments/deployments.module';
import { ProcessorsModule } from './processors/processors.module';
import { QueueModule } from './queue/queue.module';
import { RedisModule } from './redis/redis.module';
import { TasksModule } from './tasks/tasks.module';

/** The HTTP API, with queue workers embedded unless EMBEDDED_WORKERS is off. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        RedisModule,
        QueueModule,
        TasksModule,
        DeploymentsModule,
        BehaviorsModule,
        ...(config.embeddedWorkers ? [ProcessorsModule] : []),
      ],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }
}

/** Workers only, no HTTP: `src/worker.ts`. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [AppConfigModule.forRoot(config), RedisModule, ProcessorsModule],
    };
  }
}
