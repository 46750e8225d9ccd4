import { Controller, Get, Header, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, Public, Roles } from '../auth/access.decorators';
import { Principal } from '../auth/principal';
import { DashboardSessions, sessionCookie } from './dashboard-sessions.service';

/** A form that trades a pasted admin token for the dashboard cookie; no inline script (CSP). */
const LOGIN_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Queue dashboard: sign in</title>
<meta name="robots" content="noindex"></head>
<body>
<h1>Queue dashboard</h1>
<p>Paste an admin token (<code>npm run -s token -- --role admin --ttl 600</code>).
It is sent once, in an Authorization header, for a cookie that lasts 15 minutes.</p>
<form id="login"><input id="token" type="password" autocomplete="off" size="60" required>
<button type="submit">Open the dashboard</button></form>
<p id="problem" role="alert"></p>
<script src="login.js"></script>
</body>
</html>
`;

const LOGIN_SCRIPT = `document.getElementById('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = document.getElementById('token').value.trim();
  const res = await fetch('session', {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + token },
    credentials: 'same-origin',
  });
  if (res.ok) {
    window.location.href = 'queues';
    return;
  }
  const body = await res.json().catch(() => ({ message: res.statusText }));
  document.getElementById('problem').textContent = body.message;
});
`;

/**
 * How a browser reaches the queue dashboard: /admin/login takes an admin token once and
 * POST /admin/session answers with a short HttpOnly cookie for /admin (see DashboardSessions).
 * Browser plumbing, not API: kept out of the OpenAPI document.
 */
@ApiExcludeController()
@Controller('admin')
export class DashboardLoginController {
  constructor(private readonly sessions: DashboardSessions) {}

  @Get('login')
  @Public()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  page(): string {
    return LOGIN_PAGE;
  }

  @Get('login.js')
  @Public()
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  script(): string {
    return LOGIN_SCRIPT;
  }

  /** Needs an admin bearer token, like every other admin route. */
  @Post('session')
  @Roles('admin')
  @HttpCode(204)
  async open(
    @CurrentPrincipal() principal: Principal,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const value = await this.sessions.create(principal);
    void reply.header('Set-Cookie', sessionCookie(value, req.protocol === 'https'));
    void reply.header('Cache-Control', 'no-store');
  }
}
