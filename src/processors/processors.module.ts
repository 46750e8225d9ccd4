import { DynamicModule, Module, Type } from '@nestjs/common';
import { QueueName } from '../queue/jobs';
import { QueueModule } from '../queue/queue.module';
import { GroupAssignmentProcessor } from './group-assignment.processor';
import { LightBehaviorsProcessor } from './light-behaviors.processor';
import { ThemeCreationProcessor } from './theme-creation.processor';

/** One processor per queue; each name has exactly one (the type checker holds us to it). */
const PROCESSORS: Record<QueueName, Type> = {
  [QueueName.GroupAssignment]: GroupAssignmentProcessor,
  [QueueName.ThemeCreation]: ThemeCreationProcessor,
  [QueueName.LightBehaviors]: LightBehaviorsProcessor,
};

/** The queue workers of this process: only the queues it serves (WORKER_QUEUES). */
@Module({})
export class ProcessorsModule {
  static forQueues(queues: readonly QueueName[]): DynamicModule {
    return {
      module: ProcessorsModule,
      // ExecutionService comes from the global ExecutionModule of the process.
      imports: [QueueModule],
      providers: queues.map((q) => PROCESSORS[q]),
    };
  }
}
