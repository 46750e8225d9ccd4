import { Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module';
import { TaskOutcomes } from './task-outcomes.service';
import { TaskStore } from './task.store';
import { TasksController } from './tasks.controller';
import { TasksService } from './tasks.service';

@Module({
  imports: [QueueModule],
  controllers: [TasksController],
  providers: [TaskStore, TaskOutcomes, TasksService],
  exports: [TaskStore, TaskOutcomes, TasksService],
})
export class TasksModule {}
