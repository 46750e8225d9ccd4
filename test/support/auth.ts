import { randomBytes } from 'node:crypto';
import { KeyLike, SignJWT } from 'jose';
import { startTestApp, TestApp } from './app';

export const TEST_ISSUER = 'https://login.test.example';
export const TEST_AUDIENCE = 'behavior-runner';

export interface Claims {
  sub?: string;
  /** A Role, or something else to test refusal. */
  role?: string;
  name?: string;
}

export interface SignOptions {
  /** HS256 secret, or a private key with its algorithm. */
  key?: Uint8Array | KeyLike;
  alg?: 'HS256' | 'RS256' | 'ES256';
  kid?: string;
  /** Seconds from now; negative for an expired token; null for no exp at all. */
  ttl?: number | null;
  issuer?: string | null;
  audience?: string | null;
}

/** Signs a token with jose, as an identity provider would. */
export async function signToken(claims: Claims, options: SignOptions = {}): Promise<string> {
  const {
    key,
    alg = 'HS256',
    kid,
    ttl = 600,
    issuer = TEST_ISSUER,
    audience = TEST_AUDIENCE,
  } = options;
  if (key === undefined) throw new Error('signToken needs a key');
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ ...claims }).setProtectedHeader({ alg, kid }).setIssuedAt(now - 5);
  if (claims.sub !== undefined) jwt.setSubject(claims.sub);
  if (ttl !== null) jwt.setExpirationTime(now + ttl);
  if (issuer !== null) jwt.setIssuer(issuer);
  if (audience !== null) jwt.setAudience(audience);
  return jwt.sign(key);
}

export interface AuthTestApp extends TestApp {
  secret: Uint8Array;
  /** A valid token for these claims from this app's secret, issuer and audience. */
  token(claims: Claims, options?: SignOptions): Promise<string>;
}

/** A test app with access control on: a fresh HS256 secret, issuer and audience checked. */
export async function startAuthTestApp(env: Record<string, string> = {}): Promise<AuthTestApp> {
  const secretText = randomBytes(32).toString('base64url');
  const t = await startTestApp({
    AUTH_JWT_SECRET: secretText,
    AUTH_JWT_ISSUER: TEST_ISSUER,
    AUTH_JWT_AUDIENCE: TEST_AUDIENCE,
    ...env,
  });
  const secret = new TextEncoder().encode(secretText);
  return {
    ...t,
    secret,
    token: (claims, options) => signToken(claims, { key: secret, ...options }),
  };
}
