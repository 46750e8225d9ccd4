import { createPublicKey, createSecretKey } from 'node:crypto';
import { createLocalJWKSet, errors, JWTPayload, jwtVerify, JWTVerifyGetKey, KeyLike } from 'jose';
import { UnauthorizedError } from '../common/errors';
import { AuthConfig } from '../config/app-config';
import { Principal, Role, ROLES } from './principal';

type Key =
  | { key: Uint8Array | KeyLike; algorithms: string[] }
  | { getKey: JWTVerifyGetKey; algorithms: string[] };

function keyOf(config: AuthConfig): Key {
  const { key } = config;
  switch (key.kind) {
    case 'secret':
      // A KeyObject made once: given bytes, jose would make one on every verification.
      return { key: createSecretKey(Buffer.from(key.secret, 'utf8')), algorithms: ['HS256'] };
    case 'public-key':
      return { key: createPublicKey(key.pem), algorithms: [key.algorithm] };
    case 'jwks':
      // A local key set: jose picks the key by `kid` and `alg`; nothing is fetched.
      return { getKey: createLocalJWKSet({ keys: key.keys }), algorithms: ['RS256', 'ES256'] };
  }
}

const invalid = (message: string) => new UnauthorizedError(message, true);

/** Why jose refused a token, in words a client developer can act on. */
function reason(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'The bearer token has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'exp') return 'The bearer token has no exp (expiry) claim; every token must';
    if (err.claim === 'iss') return 'The bearer token was issued by another issuer (iss)';
    if (err.claim === 'aud') return 'The bearer token is meant for another audience (aud)';
    return `The bearer token's ${err.claim} claim is not valid (${err.reason})`;
  }
  if (err instanceof errors.JWSSignatureVerificationFailed)
    return "The bearer token's signature does not verify";
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JWKSNoMatchingKey)
    return 'The bearer token is not signed with a key this service accepts';
  return 'The bearer token is not a valid JWT';
}

function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** The claims this service needs: `sub`, a known `role`, and for a student a `name`. */
function toPrincipal(payload: JWTPayload): Principal {
  const { sub, role, name } = payload as JWTPayload & { role?: unknown; name?: unknown };
  if (typeof sub !== 'string' || sub === '') throw invalid('The bearer token has no sub claim');
  if (!isRole(role))
    throw invalid(`The bearer token's role claim must be one of ${ROLES.join(', ')}`);
  if (role === 'student' && (typeof name !== 'string' || name === ''))
    throw invalid("A student's bearer token needs a name claim (the name on their submissions)");
  return { sub, role, name: role === 'student' ? (name as string) : null };
}

/** How long a verified token is taken at its word before it is verified again (at most its exp). */
const VERIFIED_TTL_MS = 60_000;
/** Tokens remembered at once (a few hundred bytes each); the oldest is forgotten first. */
const VERIFIED_MAX = 10_000;

/**
 * Verifies bearer tokens against the one configured key source. A frontend polls with the same
 * token many times a second; a token that verified is remembered, by its exact text, until its
 * `exp` or for a minute, whichever is first, so the signature is not checked again on every poll.
 * Any change to the text is another token, verified in full; a refused token is not remembered.
 */
export class TokenVerifier {
  private readonly key: Key;
  private readonly verified = new Map<string, { principal: Principal; until: number }>();

  constructor(private readonly config: AuthConfig) {
    this.key = keyOf(config);
  }

  async verify(token: string): Promise<Principal> {
    const known = this.verified.get(token);
    if (known !== undefined) {
      if (Date.now() < known.until) return known.principal;
      this.verified.delete(token);
    }
    const payload = await this.check(token);
    const principal = toPrincipal(payload);
    // exp is required (requiredClaims), in seconds since the epoch.
    const until = Math.min((payload.exp ?? 0) * 1000, Date.now() + VERIFIED_TTL_MS);
    if (this.verified.size >= VERIFIED_MAX) {
      const oldest = this.verified.keys().next();
      if (oldest.done !== true) this.verified.delete(oldest.value);
    }
    this.verified.set(token, { principal, until });
    return principal;
  }

  private async check(token: string): Promise<JWTPayload> {
    const options = {
      issuer: this.config.issuer ?? undefined,
      audience: this.config.audience ?? undefined,
      requiredClaims: ['exp'],
      algorithms: this.key.algorithms,
    };
    try {
      return 'getKey' in this.key
        ? (await jwtVerify(token, this.key.getKey, options)).payload
        : (await jwtVerify(token, this.key.key, options)).payload;
    } catch (err) {
      throw invalid(reason(err));
    }
  }
}
