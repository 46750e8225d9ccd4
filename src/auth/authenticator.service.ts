import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../common/errors';
import { appConfigOf, TypedConfigService } from '../config/config.module';
import { DEVELOPMENT_ADMIN, Principal } from './principal';
import { TokenVerifier } from './token-verifier';

export type Authentication = { principal: Principal } | { error: UnauthorizedError };

/** The one line a service without a key says at start. */
export const ACCESS_CONTROL_OFF =
  'Access control is OFF: every request acts as an admin. To require bearer tokens, set ' +
  'AUTH_JWT_SECRET (HS256), AUTH_JWT_PUBLIC_KEY_FILE (RS256/ES256 PEM) or AUTH_JWKS_FILE';

/**
 * Who sent a request, from its `Authorization: Bearer` header. Each request is verified once:
 * the rate limiter (per subject) and the access guard share the answer.
 */
@Injectable()
export class Authenticator {
  private readonly verifier: TokenVerifier | null;
  private readonly seen = new WeakMap<FastifyRequest, Promise<Authentication>>();

  constructor(@Inject(ConfigService) config: TypedConfigService) {
    const auth = appConfigOf(config).auth;
    this.verifier = auth === null ? null : new TokenVerifier(auth);
    if (auth === null) new Logger('Auth').warn(ACCESS_CONTROL_OFF);
  }

  get enabled(): boolean {
    return this.verifier !== null;
  }

  authenticate(req: FastifyRequest): Promise<Authentication> {
    let result = this.seen.get(req);
    if (result === undefined) {
      result = this.check(req);
      this.seen.set(req, result);
    }
    return result;
  }

  private async check(req: FastifyRequest): Promise<Authentication> {
    if (this.verifier === null) return { principal: DEVELOPMENT_ADMIN };
    const header = req.headers.authorization;
    const match = header === undefined ? null : /^Bearer +([^ ]+) *$/i.exec(header);
    if (match === null) {
      return {
        error: new UnauthorizedError(
          header === undefined
            ? 'This route needs a bearer token: send Authorization: Bearer <token>'
            : 'The Authorization header must be Bearer <token>',
          header !== undefined,
        ),
      };
    }
    try {
      return { principal: await this.verifier.verify(match[1]) };
    } catch (err) {
      if (err instanceof UnauthorizedError) return { error: err };
      throw err;
    }
  }
}
