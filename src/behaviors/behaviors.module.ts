import { Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { appConfigOf, TypedConfigService } from '../config/config.module';
import { DeploymentsModule } from '../deployments/deployments.module';
import { QueueModule } from '../queue/queue.module';
import { TasksModule } from '../tasks/tasks.module';
import { BehaviorExecutionService } from './behavior-execution.service';
import { createRunner, SYNC_RUNNER } from './behavior-runner.provider';
import { BehaviorsController } from './behaviors.controller';
import { BehaviorsService } from './behaviors.service';
import { LegacyBehaviorsController } from './legacy-behaviors.controller';
import { BehaviorRunner } from './runner/behavior-runner';

@Module({
  imports: [DeploymentsModule, TasksModule, QueueModule],
  controllers: [BehaviorsController, LegacyBehaviorsController],
  providers: [
    BehaviorExecutionService,
    BehaviorsService,
    {
      provide: SYNC_RUNNER,
      inject: [ConfigService],
      useFactory: (config: TypedConfigService) => {
        const app = appConfigOf(config);
        return createRunner(app, app.syncConcurrency);
      },
    },
  ],
  exports: [BehaviorExecutionService],
})
export class BehaviorsModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(SYNC_RUNNER) private readonly syncRunner: BehaviorRunner) {}

  /** Loads the runner threads before the first request needs them. */
  async onApplicationBootstrap(): Promise<void> {
    await this.syncRunner.warm();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.syncRunner.close();
  }
}
