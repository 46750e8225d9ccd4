import { Module } from '@nestjs/common';
import { TaskEvents } from './task-events.service';
import { TaskNotices } from './task-notices.service';
import { TaskStateModule } from './task-state.module';
import { TasksController } from './tasks.controller';
import { TasksService } from './tasks.service';

/** The task routes: status, its live stream, and cancel. */
@Module({
  imports: [TaskStateModule],
  controllers: [TasksController],
  providers: [TasksService, TaskEvents, TaskNotices],
})
export class TasksModule {}
