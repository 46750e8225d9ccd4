import { Module } from '@nestjs/common';
import { TaskStateModule } from './task-state.module';
import { TasksController } from './tasks.controller';
import { TasksService } from './tasks.service';

/** The task routes: status and cancel. */
@Module({
  imports: [TaskStateModule],
  controllers: [TasksController],
  providers: [TasksService],
})
export class TasksModule {}
