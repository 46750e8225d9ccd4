import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  SetMetadata,
} from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { Principal, principalOf, Role } from './principal';

export const IS_PUBLIC = 'auth:public';
export const ROLES_KEY = 'auth:roles';
/** Who may call a protected route unless it says otherwise. */
export const DEFAULT_ROLES: readonly Role[] = ['admin', 'instructor'];

/**
 * No token needed (health, metrics, the demo page). The OpenAPI document then shows the
 * operation without the bearer requirement.
 */
export function Public() {
  return applyDecorators(SetMetadata(IS_PUBLIC, true), ApiExtension('x-public', true));
}

/** The roles that may call the route (default: admin and instructor). */
export function Roles(...roles: Role[]) {
  return applyDecorators(SetMetadata(ROLES_KEY, roles), ApiExtension('x-roles', roles));
}

/** The caller, as the access guard established it (only on protected routes). */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Principal => {
    const principal = principalOf(ctx.switchToHttp().getRequest<FastifyRequest>());
    if (principal === null) throw new Error('CurrentPrincipal used on a route the guard skips');
    return principal;
  },
);
