import { Module } from '@nestjs/common';
import { DeploymentsRepository } from './deployments.repository';

/** Deployments and students in Redis without HTTP, for the execution service on workers. */
@Module({
  providers: [DeploymentsRepository],
  exports: [DeploymentsRepository],
})
export class DeploymentsStoreModule {}
