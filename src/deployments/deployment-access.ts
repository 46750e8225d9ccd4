import { deploymentNotFound } from '../common/params';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { Principal, principalOf } from '../auth/principal';
import { NotFoundError } from '../common/errors';
import { Deployment } from './deployment.types';
import { DeploymentsRepository } from './deployments.repository';

/**
 * Who may see and manage a deployment: admins, and the instructors in its `owners`. A
 * deployment without owners (created while access control was off) is for admins only.
 */
export function mayManage(principal: Principal, deployment: Deployment): boolean {
  if (principal.role === 'admin') return true;
  return (
    principal.role === 'instructor' &&
    principal.sub !== null &&
    deployment.owners.includes(principal.sub)
  );
}

/**
 * The one check for every route under /api/page-deployments/{deploymentId} (and the old
 * /api/deploy aliases, rewritten before routing): after the access guard has established who is
 * asking and that their role may call the route, this decides whether they may touch this
 * deployment. Students only reach the group route (@Roles), and only for their own name.
 */
@Injectable()
export class DeploymentAccessGuard implements CanActivate {
  constructor(private readonly repo: DeploymentsRepository) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const params = req.params as Partial<Record<string, string>>;
    const id = params.deploymentId;
    const principal = principalOf(req);
    // No deployment in the path, or a public route (no principal): nothing to decide here.
    if (id === undefined || principal === null || principal.role === 'admin') return true;
    if (principal.role === 'student') {
      const student = params.studentName;
      if (student !== undefined && student === principal.name) return true;
      throw new NotFoundError(`${student ?? 'This student'} has no group you may see in ${id}`);
    }
    const deployment = await this.repo.get(id);
    if (deployment === null || !mayManage(principal, deployment)) throw deploymentNotFound(id);
    return true;
  }
}
