import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../deployments/deployments.module';
import { QueueModule } from '../queue/queue.module';
import { TaskStateModule } from '../tasks/task-state.module';
import { BehaviorsController } from './behaviors.controller';
import { BehaviorsService } from './behaviors.service';

/** The behavior routes: list and trigger. Runs go through the global ExecutionModule. */
@Module({
  imports: [DeploymentsModule, TaskStateModule, QueueModule],
  controllers: [BehaviorsController],
  providers: [BehaviorsService],
})
export class BehaviorsModule {}
