import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { jwtVerify } from 'jose';

const SCRIPT = join(__dirname, '../../scripts/mint-token.js');
const SECRET = 'a-development-secret-of-32-chars!';

function mint(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run token (scripts/mint-token.js)', () => {
  it('mints a token the service accepts: sub, role, name, expiry, issuer and audience', async () => {
    const r = mint(
      ['--role', 'student', '--sub', 's1', '--name', 'ana@school.edu', '--ttl', '60'],
      {
        AUTH_JWT_SECRET: SECRET,
        AUTH_JWT_ISSUER: 'dev',
        AUTH_JWT_AUDIENCE: 'behavior-runner',
      },
    );
    expect(r.code).toBe(0);
    const { payload } = await jwtVerify(r.stdout.trim(), new TextEncoder().encode(SECRET), {
      issuer: 'dev',
      audience: 'behavior-runner',
      requiredClaims: ['exp'],
    });
    expect(payload).toMatchObject({ sub: 's1', role: 'student', name: 'ana@school.edu' });
    expect(payload.exp! - payload.iat!).toBe(60);
  });

  it('refuses clearly without a secret', () => {
    const r = mint(['--role', 'admin', '--sub', 'root'], {});
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^AUTH_JWT_SECRET is not set/);
  });

  it('refuses an unknown role and a student without a name', () => {
    const env = { AUTH_JWT_SECRET: SECRET };
    expect(mint(['--role', 'teacher', '--sub', 'x'], env).stderr).toMatch(/--role must be one of/);
    expect(mint(['--role', 'student', '--sub', 'x'], env).stderr).toMatch(/--name is required/);
  });
});
