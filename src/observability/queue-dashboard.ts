import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { getQueueToken } from '@nestjs/bullmq';
import { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import { NextFunction, Request, Response } from 'express';
import { Authenticator } from '../auth/authenticator.service';
import { Principal } from '../auth/principal';
import { AppConfig } from '../config/app-config';
import { ALL_QUEUES } from '../queue/jobs';
import { DashboardSessions } from './dashboard-sessions.service';

export const DASHBOARD_PATH = '/admin/queues';
export const LOGIN_PATH = '/admin/login';

const READS = new Set(['GET', 'HEAD']);

function refuse(res: Response, status: number, message: string, headers = {}): void {
  res
    .status(status)
    .set(headers)
    .json({ statusCode: status, error: status === 401 ? 'Unauthorized' : 'Forbidden', message });
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
  return (req: Request, res: Response, next: NextFunction): void => {
    const decide = async (): Promise<void> => {
      let principal: Principal | null = null;
      if (!authenticator.enabled || req.headers.authorization !== undefined) {
        const result = await authenticator.authenticate(req);
        if ('error' in result) {
          refuse(res, 401, result.error.message, { 'WWW-Authenticate': 'Bearer' });
          return;
        }
        principal = result.principal;
      } else {
        principal = await sessions.fromCookieHeader(req.headers.cookie);
      }
      if (principal === null) {
        if (READS.has(req.method) && req.accepts(['json', 'html']) === 'html') {
          res.redirect(303, LOGIN_PATH);
          return;
        }
        refuse(res, 401, `The queue dashboard needs an admin session: open ${LOGIN_PATH}`, {
          'WWW-Authenticate': 'Bearer',
        });
        return;
      }
      if (principal.role !== 'admin') {
        refuse(res, 403, `The queue dashboard is for admins, not a ${principal.role}`);
        return;
      }
      if (!READS.has(req.method)) {
        if (!writable) {
          refuse(res, 403, 'The queue dashboard is read-only (QUEUE_DASHBOARD_WRITABLE is off)');
          return;
        }
        const json = /^application\/json\b/i.test(req.headers['content-type'] ?? '');
        if (!json && req.headers.authorization === undefined) {
          res.status(415).json({
            statusCode: 415,
            error: 'Unsupported Media Type',
            message: `A ${req.method} must carry Content-Type: application/json or an Authorization header`,
          });
          return;
        }
      }
      next();
    };
    decide().catch(next);
  };
}

/**
 * bull-board at /admin/queues, over every queue of the service, read-only unless
 * QUEUE_DASHBOARD_WRITABLE. Mounted after helmet, so its page gets the same security headers
 * (its scripts and styles come from its own /static path; the default CSP allows them).
 */
export function mountQueueDashboard(app: INestApplication, config: AppConfig): void {
  const queues = ALL_QUEUES.map((name) => app.get<Queue>(getQueueToken(name), { strict: false }));
  const adapter = new ExpressAdapter();
  adapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: queues.map(
      (q) => new BullMQAdapter(q, { readOnlyMode: !config.queueDashboardWritable }),
    ),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'Behavior queues' } },
  });
  app.use(
    DASHBOARD_PATH,
    dashboardAccess(
      app.get(Authenticator),
      app.get(DashboardSessions),
      config.queueDashboardWritable,
    ),
    adapter.getRouter() as (req: Request, res: Response, next: NextFunction) => void,
  );
}
