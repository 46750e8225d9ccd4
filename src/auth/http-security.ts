import { IncomingMessage, ServerResponse } from 'node:http';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { OpenAPIObject } from '@nestjs/swagger';
import helmet, { HelmetOptions } from 'helmet';
import { AppConfig } from '../config/app-config';
import { DEFAULT_ROLES } from './access.decorators';
import { Role, ROLES } from './principal';

/**
 * Security headers (helmet's defaults) and CORS for the configured origins
 * only. Swagger UI works under helmet's default CSP: its page loads its script and styles from
 * /api/docs and has one inline <style>, which the default style-src allows. The one change:
 * no upgrade-insecure-requests, which would make a browser fetch Swagger UI's files over https
 * from a service that (in development) only speaks http.
 */
export function applyHttpSecurity(app: NestFastifyApplication, config: AppConfig): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (_req, reply, done) => {
      void reply.headers(SECURITY_HEADERS);
      done();
    });
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type'],
      exposedHeaders: ['Retry-After', 'WWW-Authenticate', 'Deprecation', 'Link', 'X-Request-Id'],
      maxAge: 600,
    });
  }
}

/**
 * The headers helmet sets, computed once: with these options (no per-request CSP nonce) they are
 * the same on every answer, and helmet's middleware rebuilds them on each call (about 8% of a
 * status read's CPU when it ran per request).
 */
export function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: unknown) {
      headers[name] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name];
    },
  };
  let done = false;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err instanceof Error) throw err;
    done = true;
  });
  // helmet calls back synchronously; if a future version does not, fail at start, not later.
  if (!done) throw new Error('helmet did not set its headers synchronously');
  return headers;
}

/** The headers every answer carries (see applyHttpSecurity). */
export const SECURITY_HEADERS = securityHeaders({
  contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
});

export const BEARER_SCHEME = 'bearer';

const ERROR_BODY = {
  'application/json': { schema: { $ref: '#/components/schemas/ErrorResponseDto' } },
};
const STATE_CHANGING = ['post', 'put', 'patch', 'delete'] as const;
const METHODS = ['get', ...STATE_CHANGING] as const;

/**
 * Puts the bearer requirement on every operation but the @Public() ones, and documents the
 * answers access control adds: 401 everywhere a token is needed, 403 where a role may be
 * refused, 415 on state changes without JSON or a token, 429 when the rate limit is hit.
 */
export function documentAccessControl(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (op === undefined) continue;
      const marks = op as { 'x-public'?: boolean; 'x-roles'?: Role[] };
      const isPublic = marks['x-public'] === true;
      const roles = marks['x-roles'] ?? DEFAULT_ROLES;
      delete marks['x-public'];
      delete marks['x-roles'];
      op.responses['429'] ??= {
        description:
          'Too many requests from this subject or address; Retry-After says when to retry',
        content: ERROR_BODY,
      };
      if ((STATE_CHANGING as readonly string[]).includes(method))
        op.responses['415'] ??= {
          description:
            'Neither Content-Type: application/json nor an Authorization header (a request a browser could send cross-site)',
          content: ERROR_BODY,
        };
      if (isPublic) {
        // Said outright: no token needed (an absent `security` would leave it unsaid).
        op.security = [];
        continue;
      }
      op.security = [{ [BEARER_SCHEME]: [] }];
      op.responses['401'] ??= {
        description:
          'No bearer token, or one that is expired or does not verify (WWW-Authenticate: Bearer)',
        content: ERROR_BODY,
      };
      if (ROLES.some((r) => !roles.includes(r)))
        op.responses['403'] ??= {
          description: `The token's role may not do this (allowed: ${roles.join(', ')})`,
          content: ERROR_BODY,
        };
    }
  }
}
