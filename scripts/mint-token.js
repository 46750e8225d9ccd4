// Mints a development bearer token signed with AUTH_JWT_SECRET (HS256), with AUTH_JWT_ISSUER and
// AUTH_JWT_AUDIENCE when they are set, so the running service accepts it:
//   AUTH_JWT_SECRET=... npm run -s token -- --role instructor --sub ana [--name ana@school.edu] [--ttl 3600]
// Prints the token alone on stdout. Not for production: real tokens come from your identity provider.
const { parseArgs } = require('node:util');
const { SignJWT } = require('jose');

const ROLES = ['admin', 'instructor', 'student'];
const USAGE =
  'usage: npm run -s token -- --role admin|instructor|student --sub <user> [--name <student name>] [--ttl <seconds>]';

function fail(message) {
  console.error(message);
  process.exit(1);
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        role: { type: 'string' },
        sub: { type: 'string' },
        name: { type: 'string' },
        ttl: { type: 'string', default: '3600' },
      },
    }));
  } catch (err) {
    fail(`${err.message}\n${USAGE}`);
  }
  const secret = process.env.AUTH_JWT_SECRET;
  if (!secret) {
    fail(
      'AUTH_JWT_SECRET is not set: this script signs with the shared secret the service verifies ' +
        '(set the same AUTH_JWT_SECRET for both). With a public key or JWKS, get tokens from the ' +
        'identity provider that holds the private key.',
    );
  }
  const { role, sub, name, ttl } = values;
  if (!ROLES.includes(role)) fail(`--role must be one of ${ROLES.join(', ')}\n${USAGE}`);
  if (!sub) fail(`--sub is required (the user the token speaks for)\n${USAGE}`);
  if (role === 'student' && !name)
    fail('--name is required for a student (the name on their submissions)');
  if (!/^\d{1,9}$/.test(ttl) || Number(ttl) < 1)
    fail('--ttl must be a whole number of seconds, at least 1');

  const claims = { role, ...(name ? { name } : {}) };
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(`${Number(ttl)}s`);
  if (process.env.AUTH_JWT_ISSUER) jwt.setIssuer(process.env.AUTH_JWT_ISSUER);
  if (process.env.AUTH_JWT_AUDIENCE) jwt.setAudience(process.env.AUTH_JWT_AUDIENCE);
  console.log(await jwt.sign(new TextEncoder().encode(secret)));
}

main().catch((err) => fail(err instanceof Error ? err.message : String(err)));
