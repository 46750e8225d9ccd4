import { Module } from '@nestjs/common';
import { BehaviorsModule } from '../behaviors/behaviors.module';
import { QueueModule } from '../queue/queue.module';
import { TasksModule } from '../tasks/tasks.module';
import { BehaviorProcessor } from './behavior.processor';

@Module({
  imports: [QueueModule, TasksModule, BehaviorsModule],
  providers: [BehaviorProcessor],
})
export class ProcessorsModule {}
