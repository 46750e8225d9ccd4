import {
  DynamicModule,
  Inject,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
  Provider,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { appConfigOf, TypedConfigService } from '../config/config.module';
import { Metrics } from '../observability/metrics';
import { DeploymentsStoreModule } from '../deployments/deployments-store.module';
import { QueueModule } from '../queue/queue.module';
import { TaskStateModule } from '../tasks/task-state.module';
import { ExecutionService } from './execution.service';
import { createRunner, QUEUE_RUNNER, queueThreads, SYNC_RUNNER } from './runner.provider';
import { BehaviorRunner } from './runner/behavior-runner';

export interface ExecutionRoles {
  /** This process answers synchronous trigger requests. */
  sync: boolean;
  /** This process runs queue jobs. */
  queue: boolean;
}

function pool(token: symbol, threads: (config: TypedConfigService) => number): Provider {
  return {
    provide: token,
    inject: [ConfigService, Metrics],
    useFactory: (config: TypedConfigService, metrics: Metrics) =>
      createRunner(appConfigOf(config), threads(config), (hits, misses) =>
        metrics.embeddingCacheLookups(hits, misses),
      ),
  };
}

/**
 * Running a task: the execution service and the runner threads, sized per process role, so an
 * API process never holds queue threads and a worker never holds synchronous ones.
 */
@Module({})
export class ExecutionModule implements OnApplicationBootstrap, OnApplicationShutdown {
  static forRoles(roles: ExecutionRoles): DynamicModule {
    const pools: Provider[] = [];
    if (roles.sync) pools.push(pool(SYNC_RUNNER, (c) => appConfigOf(c).syncConcurrency));
    if (roles.queue) pools.push(pool(QUEUE_RUNNER, (c) => queueThreads(appConfigOf(c))));
    return {
      module: ExecutionModule,
      // Global: processors and HTTP services reach the one ExecutionService of their process.
      global: true,
      imports: [TaskStateModule, DeploymentsStoreModule, QueueModule],
      providers: [...pools, ExecutionService],
      exports: [...pools.map((p) => (p as { provide: symbol }).provide), ExecutionService],
    };
  }

  private readonly runners: BehaviorRunner[];

  constructor(
    @Optional() @Inject(SYNC_RUNNER) sync?: BehaviorRunner,
    @Optional() @Inject(QUEUE_RUNNER) queue?: BehaviorRunner,
  ) {
    this.runners = [sync, queue].filter((r): r is BehaviorRunner => r !== undefined);
  }

  /** Loads the threads before the first run needs them. */
  async onApplicationBootstrap(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.warm()));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.close()));
  }
}
