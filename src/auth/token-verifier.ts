import { createPublicKey } from 'node:crypto';
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
      return { key: new TextEncoder().encode(key.secret), algorithms: ['HS256'] };
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

/** Verifies bearer tokens against the one configured key source. */
export class TokenVerifier {
  private readonly key: Key;

  constructor(private readonly config: AuthConfig) {
    this.key = keyOf(config);
  }

  async verify(token: string): Promise<Principal> {
    const options = {
      issuer: this.config.issuer ?? undefined,
      audience: this.config.audience ?? undefined,
      requiredClaims: ['exp'],
      algorithms: this.key.algorithms,
    };
    let payload: JWTPayload;
    try {
      payload =
        'getKey' in this.key
          ? (await jwtVerify(token, this.key.getKey, options)).payload
          : (await jwtVerify(token, this.key.key, options)).payload;
    } catch (err) {
      throw invalid(reason(err));
    }
    return toPrincipal(payload);
  }
}
