import { Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module';
import { LeaseReaper } from './lease-reaper.service';
import { TaskCancellation } from './task-cancellation.service';
import { TaskLifecycle } from './task-lifecycle.service';
import { TaskStore } from './task.store';

/** Task state without HTTP: what workers, the execution service and other features use. */
@Module({
  imports: [QueueModule],
  providers: [TaskStore, TaskLifecycle, TaskCancellation, LeaseReaper],
  exports: [TaskStore, TaskLifecycle, TaskCancellation],
})
export class TaskStateModule {}
