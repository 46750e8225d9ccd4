import { FastifyRequest } from 'fastify';

export const ROLES = ['admin', 'instructor', 'student'] as const;
export type Role = (typeof ROLES)[number];

/** Who is asking, from a verified bearer token (or the development admin when auth is off). */
export interface Principal {
  /** The token's `sub`; null only for the development admin of a service without a key. */
  sub: string | null;
  role: Role;
  /** A student's name, the one their submissions carry (the `name` claim); null for others. */
  name: string | null;
}

/** Every request acts as this when no key is configured (development only). */
export const DEVELOPMENT_ADMIN: Principal = Object.freeze({ sub: null, role: 'admin', name: null });

/** The principal the guards established for a request (set once per request). */
const principals = new WeakMap<FastifyRequest, Principal>();

export function setPrincipal(req: FastifyRequest, principal: Principal): void {
  principals.set(req, principal);
}

export function principalOf(req: FastifyRequest): Principal | null {
  return principals.get(req) ?? null;
}
