import { Module } from '@nestjs/common';
import { TasksModule } from '../tasks/tasks.module';
import { DeploymentsController } from './deployments.controller';
import { DeploymentsRepository } from './deployments.repository';
import { DeploymentsService } from './deployments.service';
import { SubmissionsController } from './submissions.controller';
import { SubmissionsService } from './submissions.service';

@Module({
  imports: [TasksModule],
  controllers: [DeploymentsController, SubmissionsController],
  providers: [DeploymentsRepository, DeploymentsService, SubmissionsService],
  exports: [DeploymentsRepository, DeploymentsService],
})
export class DeploymentsModule {}
