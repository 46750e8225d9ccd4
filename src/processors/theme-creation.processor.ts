import { Processor } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { appConfigOf, TypedConfigService } from '../config/config.module';
import { ExecutionService } from '../execution/execution.service';
import { WorkerRegistry } from '../observability/worker-registry';
import { QueueName } from '../queue/jobs';
import { BehaviorJobProcessor } from './behavior-job.processor';

@Processor(QueueName.ThemeCreation)
export class ThemeCreationProcessor extends BehaviorJobProcessor {
  constructor(
    execution: ExecutionService,
    @Inject(ConfigService) config: TypedConfigService,
    registry: WorkerRegistry,
  ) {
    super(execution, appConfigOf(config), registry, QueueName.ThemeCreation);
  }
}
