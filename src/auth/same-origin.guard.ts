import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { FastifyRequest } from 'fastify';
import { UnsafeRequestError } from '../common/errors';
// application/json or any +json type: a browser preflights these before a cross-site send.
import { isJson } from '../common/json-body';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Refuses state changes a browser could send from another site without a CORS preflight (a
 * form post, a text/plain fetch): a POST, PUT, PATCH or DELETE must carry a JSON content type or
 * an Authorization header, both of which a cross-site page can only send after the preflight
 * that CORS_ORIGINS decides. With auth on the bearer header is there anyway; with auth off this
 * is the only thing that stops a page on another site from cancelling or deleting.
 */
@Injectable()
export class SameOriginGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    if (!STATE_CHANGING.has(req.method)) return true;
    if (req.headers.authorization !== undefined || isJson(req.headers['content-type'])) return true;
    throw new UnsafeRequestError(
      `A ${req.method} must carry Content-Type: application/json (send {} when there is no body) ` +
        'or an Authorization header, so that a browser cannot send it from another site',
    );
  }
}
