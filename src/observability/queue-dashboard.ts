import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { getQueueToken } from '@nestjs/bullmq';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Authenticator } from '../auth/authenticator.service';
import { errorBody } from '../common/http-exception.filter';
import { Principal } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import { ALL_QUEUES } from '../queue/jobs';
import { DashboardSessions } from './dashboard-sessions.service';

export const DASHBOARD_PATH = '/admin/queues';
export const LOGIN_PATH = '/admin/login';

const READS = new Set(['GET', 'HEAD']);

function refuse(reply: FastifyReply, status: number, message: string, headers = {}) {
  return reply.code(status).headers(headers).send(errorBody(status, message));
}

/** Whether a browser asks for a page (HTML before JSON in its Accept), not a script for data. */
function wantsPage(accept: string | undefined): boolean {
  const types = (accept ?? '').split(',').map((t) => t.split(';')[0].trim().toLowerCase());
  const html = types.indexOf('text/html');
  const json = types.indexOf('application/json');
  return html >= 0 && (json < 0 || html < json);
}

/**
 * Who may open the dashboard: the same rules as the API, for a page a browser opens. A bearer
 * header works (scripts, curl); a browser brings the session cookie from /admin/login. Only
 * admins get in. Without a key configured every request is the development admin, as for the
 * API. Writes (retry, remove, clean, pause) are refused unless QUEUE_DASHBOARD_WRITABLE is on,
 * and then need what every other write needs: a JSON body or an Authorization header, which a
 * page on another site cannot send without a CORS preflight (and the cookie is SameSite=Strict).
 */
function dashboardAccess(
  authenticator: Authenticator,
  sessions: DashboardSessions,
  writable: boolean,
) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    let principal: Principal | null = null;
    if (!authenticator.enabled || req.headers.authorization !== undefined) {
      const result = await authenticator.authenticate(req);
      if ('error' in result)
        return refuse(reply, 401, result.error.message, { 'WWW-Authenticate': 'Bearer' });
      principal = result.principal;
    } else {
      principal = await sessions.fromCookieHeader(req.headers.cookie);
    }
    if (principal === null) {
      if (READS.has(req.method) && wantsPage(req.headers.accept))
        return reply.redirect(LOGIN_PATH, 303);
      return refuse(reply, 401, `The queue dashboard needs an admin session: open ${LOGIN_PATH}`, {
        'WWW-Authenticate': 'Bearer',
      });
    }
    if (principal.role !== 'admin')
      return refuse(reply, 403, `The queue dashboard is for admins, not a ${principal.role}`);
    if (!READS.has(req.method)) {
      if (!writable)
        return refuse(
          reply,
          403,
          'The queue dashboard is read-only (QUEUE_DASHBOARD_WRITABLE is off)',
        );
      const json = /^application\/json\b/i.test(req.headers['content-type'] ?? '');
      if (!json && req.headers.authorization === undefined) {
        return refuse(
          reply,
          415,
          `A ${req.method} must carry Content-Type: application/json or an Authorization header`,
        );
      }
    }
    return undefined;
  };
}

/**
 * bull-board at /admin/queues, over every queue of the service, read-only unless
 * QUEUE_DASHBOARD_WRITABLE. Mounted after helmet, so its page gets the same security headers
 * (its scripts and styles come from its own /static path; the default CSP allows them).
 */
export async function mountQueueDashboard(
  app: NestFastifyApplication,
  config: AppConfig,
): Promise<void> {
  const queues = ALL_QUEUES.map((name) => app.get<Queue>(getQueueToken(name), { strict: false }));
  const adapter = new FastifyAdapter();
  adapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: queues.map(
      (q) => new BullMQAdapter(q, { readOnlyMode: !config.queueDashboardWritable }),
    ),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'Behavior queues' } },
  });
  const access = dashboardAccess(
    app.get(Authenticator),
    app.get(DashboardSessions),
    config.queueDashboardWritable,
  );
  // The access hook is registered inside the dashboard's own plugin scope: it runs for the
  // dashboard's routes and no other.
  await app.register(
    async (scope: FastifyInstance) => {
      scope.addHook('onRequest', access);
      await scope.register(adapter.registerPlugin());
    },
    { prefix: DASHBOARD_PATH },
  );
}
