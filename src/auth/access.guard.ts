import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyRequest } from 'fastify';
import { ForbiddenError } from '../common/errors';
import { DEFAULT_ROLES, IS_PUBLIC, ROLES_KEY } from './access.decorators';
import { Authenticator } from './authenticator.service';
import { Role, setPrincipal } from './principal';

export function isPublicRoute(reflector: Reflector, context: ExecutionContext): boolean {
  return (
    reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]) === true
  );
}

/**
 * Every route needs a valid bearer token unless it is @Public(), and a role the route allows
 * (@Roles, default admin and instructor). Which deployments a caller may touch is decided after
 * this, by the deployments' own guard.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (isPublicRoute(this.reflector, context)) return true;
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const result = await this.authenticator.authenticate(req);
    if ('error' in result) throw result.error;
    const roles =
      this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [
        context.getHandler(),
        context.getClass(),
      ]) ?? DEFAULT_ROLES;
    const { principal } = result;
    if (!roles.includes(principal.role)) {
      throw new ForbiddenError(
        `A ${principal.role} may not ${req.method} ${req.url.split('?')[0]}; it is for ${roles.join(' and ')} tokens`,
      );
    }
    setPrincipal(req, principal);
    return true;
  }
}
