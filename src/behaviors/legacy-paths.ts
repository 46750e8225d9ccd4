import { NextFunction, Request, Response } from 'express';
import { OpenAPIObject } from '@nestjs/swagger';

/**
 * The old frontend calls `/api/deploy/{id}/behaviors/...`. Those paths are aliases of the same
 * handlers: the request is rewritten to the current path before routing, answered with
 * `Deprecation` and `Link` headers (RFC 9745, RFC 8288) naming the path to move to.
 */
const LEGACY_PREFIX = '/api/deploy/';
const CURRENT_PREFIX = '/api/page-deployments/';
/** The three routes the old frontend used, below `{id}/behaviors/`. */
const LEGACY_ROUTE =
  /^\/api\/deploy\/([^/?#]+)\/behaviors\/(trigger|tasks\/[^/?#]+(?:\/cancel)?)(?=$|[?#])/;
/** When the old paths were deprecated (structured-field date: seconds since the epoch). */
const DEPRECATED_SINCE = '@1767225600';

export function legacyPathAliases(req: Request, res: Response, next: NextFunction): void {
  if (req.url.startsWith(LEGACY_PREFIX) && LEGACY_ROUTE.test(req.url)) {
    req.url = CURRENT_PREFIX + req.url.slice(LEGACY_PREFIX.length);
    const successor = req.url.split('?')[0];
    res.setHeader('Deprecation', DEPRECATED_SINCE);
    res.setHeader('Link', `<${successor}>; rel="successor-version"`);
  }
  next();
}

const ALIASED_PATHS = [
  '/behaviors/trigger',
  '/behaviors/tasks/{taskId}',
  '/behaviors/tasks/{taskId}/cancel',
];

/** Documents each alias as a deprecated copy of the current operation, with its own id. */
export function addLegacyPaths(document: OpenAPIObject): void {
  for (const suffix of ALIASED_PATHS) {
    const current = document.paths[`/api/page-deployments/{deploymentId}${suffix}`];
    if (current === undefined) continue;
    const legacy: typeof current = {};
    for (const method of ['get', 'post'] as const) {
      const op = current[method];
      if (op === undefined) continue;
      legacy[method] = {
        ...op,
        operationId: `${op.operationId ?? method}Legacy`,
        summary: `${op.summary ?? ''} (old path)`,
        tags: ['deprecated'],
        deprecated: true,
      };
    }
    document.paths[`/api/deploy/{deploymentId}${suffix}`] = legacy;
  }
}
