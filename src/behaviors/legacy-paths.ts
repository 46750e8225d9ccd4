import { IncomingMessage } from 'node:http';
import { FastifyInstance } from 'fastify';
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

/** The current path a rewritten request was sent to, kept on the request for its answer. */
const successors = new WeakMap<IncomingMessage, string>();

/** Fastify's `rewriteUrl`: an old path becomes the current one before routing. */
export function rewriteLegacyPath(req: IncomingMessage): string {
  const url = req.url ?? '/';
  if (!url.startsWith(LEGACY_PREFIX) || !LEGACY_ROUTE.test(url)) return url;
  const current = CURRENT_PREFIX + url.slice(LEGACY_PREFIX.length);
  successors.set(req, current.split('?')[0]);
  return current;
}

/** The answer to a rewritten request names the path to move to. */
export function answerLegacyPaths(server: FastifyInstance): void {
  server.addHook('onRequest', (req, reply, done) => {
    const successor = successors.get(req.raw);
    if (successor !== undefined) {
      void reply.header('Deprecation', DEPRECATED_SINCE);
      void reply.header('Link', `<${successor}>; rel="successor-version"`);
    }
    done();
  });
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
