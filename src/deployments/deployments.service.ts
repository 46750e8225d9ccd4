import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { parseBehaviorDefinitions } from './behavior-config.validation';
import { deploymentNotFound, isId } from '../common/params';
import { TaskCancellation } from '../tasks/task-cancellation.service';
import { TaskLifecycle } from '../tasks/task-lifecycle.service';
import { Principal } from '../auth/principal';
import { toDeploymentDto } from './deployment.mapper';
import { Deployment } from './deployment.types';
import { DeploymentSnapshot, DeploymentsRepository } from './deployments.repository';
import { CreateDeploymentDto, DeploymentPageDto, UpdateDeploymentDto } from './dto/deployment.dto';

@Injectable()
export class DeploymentsService {
  constructor(
    private readonly repo: DeploymentsRepository,
    private readonly cancellation: TaskCancellation,
    private readonly tasks: TaskLifecycle,
  ) {}

  /** The creator owns it (with access control off there is no creator: admins only). */
  async create(dto: CreateDeploymentDto, creator: Principal): Promise<Deployment> {
    const now = new Date().toISOString();
    const deployment: Deployment = {
      id: randomUUID(),
      title: dto.title,
      behaviors: parseBehaviorDefinitions(dto.behaviors),
      owners: creator.sub === null ? [] : [creator.sub],
      created_at: now,
      updated_at: now,
    };
    await this.repo.save(deployment);
    return deployment;
  }

  async get(id: string): Promise<Deployment> {
    // The routes' DeploymentIdPipe already refused non-ids; this keeps every caller as safe.
    if (!isId(id)) throw deploymentNotFound(id);
    const d = await this.repo.get(id);
    if (d === null) throw deploymentNotFound(id);
    return d;
  }

  /** The deployment as stored now, with the SHA-1 a task's creation checks (404 when gone). */
  async snapshot(id: string): Promise<DeploymentSnapshot> {
    if (!isId(id)) throw deploymentNotFound(id);
    const s = await this.repo.snapshot(id);
    if (s === null) throw deploymentNotFound(id);
    return s;
  }

  /** This process's last snapshot of the deployment, possibly stale; no Redis read. */
  cachedSnapshot(id: string): DeploymentSnapshot | undefined {
    return this.repo.cachedSnapshot(id);
  }

  /** What the caller may see: every deployment for an admin, otherwise those they own. */
  async page(caller: Principal, page: number, pageSize: number): Promise<DeploymentPageDto> {
    const offset = (page - 1) * pageSize;
    const { items, total } =
      caller.role === 'admin'
        ? await this.repo.page(offset, pageSize)
        : caller.sub === null
          ? { items: [], total: 0 }
          : await this.repo.page(offset, pageSize, caller.sub);
    return { items: items.map(toDeploymentDto), page, page_size: pageSize, total };
  }

  /** Edits take effect on the next run: workers read the deployment when a task starts. */
  async update(id: string, dto: UpdateDeploymentDto): Promise<Deployment> {
    const current = await this.get(id);
    const updated: Deployment = {
      ...current,
      title: dto.title ?? current.title,
      behaviors:
        dto.behaviors === undefined ? current.behaviors : parseBehaviorDefinitions(dto.behaviors),
      owners: dto.owners === undefined ? current.owners : [...new Set(dto.owners)],
      updated_at: new Date().toISOString(),
    };
    await this.repo.save(updated, current);
    return updated;
  }

  /** Cancels the deployment's queued and running tasks, then removes everything it owns. */
  async remove(id: string): Promise<void> {
    const deployment = await this.get(id);
    await this.cancellation.cancelAllFor(id);
    await this.repo.delete(deployment);
    await this.tasks.deleteAllFor(id);
  }
}
