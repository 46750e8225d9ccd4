import { Module } from '@nestjs/common';
import { TaskStateModule } from '../tasks/task-state.module';
import { DeploymentAccessGuard } from './deployment-access';
import { DeploymentsController } from './deployments.controller';
import { DeploymentsStoreModule } from './deployments-store.module';
import { DeploymentsService } from './deployments.service';
import { OutputsController } from './outputs.controller';
import { OutputsRepository } from './outputs.repository';
import { OutputsService } from './outputs.service';
import { SubmissionsController } from './submissions.controller';
import { SubmissionsService } from './submissions.service';

/** The deployment routes: deployments, their students, and the outputs runs left. */
@Module({
  imports: [DeploymentsStoreModule, TaskStateModule],
  controllers: [DeploymentsController, SubmissionsController, OutputsController],
  providers: [
    DeploymentsService,
    SubmissionsService,
    OutputsRepository,
    OutputsService,
    DeploymentAccessGuard,
  ],
  exports: [DeploymentsService, DeploymentAccessGuard],
})
export class DeploymentsModule {}
