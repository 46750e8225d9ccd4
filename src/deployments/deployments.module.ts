import { Module } from '@nestjs/common';
import { TasksModule } from '../tasks/tasks.module';
import { DeploymentsController } from './deployments.controller';
import { DeploymentsRepository } from './deployments.repository';
import { DeploymentsService } from './deployments.service';
import { OutputsController } from './outputs.controller';
import { OutputsRepository } from './outputs.repository';
import { OutputsService } from './outputs.service';
import { SubmissionsController } from './submissions.controller';
import { SubmissionsService } from './submissions.service';

@Module({
  imports: [TasksModule],
  controllers: [DeploymentsController, SubmissionsController, OutputsController],
  providers: [
    DeploymentsRepository,
    DeploymentsService,
    SubmissionsService,
    OutputsRepository,
    OutputsService,
  ],
  exports: [DeploymentsRepository, DeploymentsService],
})
export class DeploymentsModule {}
