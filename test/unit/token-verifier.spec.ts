import { SignJWT } from 'jose';
import { UnauthorizedError } from '../../src/common/errors';
import { TokenVerifier } from '../../src/auth/token-verifier';

const SECRET = 'unit-test-secret-0123456789abcdef0123456789';
const verifier = () =>
  new TokenVerifier({ key: { kind: 'secret', secret: SECRET }, issuer: null, audience: null });

function token(expiresAt: number, sub = 'teacher-1'): Promise<string> {
  return new SignJWT({ role: 'instructor' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime(expiresAt)
    .sign(new TextEncoder().encode(SECRET));
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('TokenVerifier', () => {
  it('answers a token it verified before with the same principal', async () => {
    const v = verifier();
    const t = await token(nowSeconds() + 600);
    const first = await v.verify(t);
    expect(first).toEqual({ sub: 'teacher-1', role: 'instructor', name: null });
    await expect(v.verify(t)).resolves.toEqual(first);
  });

  it('refuses a changed token even while the original is remembered', async () => {
    const v = verifier();
    const t = await token(nowSeconds() + 600);
    await v.verify(t);
    const [header, payload, signature] = t.split('.');
    const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    await expect(v.verify(`${header}.${payload}.${flipped}`)).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
    // Another subject's payload under the first token's signature does not verify either.
    const other = (await token(nowSeconds() + 600, 'someone-else')).split('.')[1];
    await expect(v.verify(`${header}.${other}.${signature}`)).rejects.toThrow(
      /signature does not verify/,
    );
  });

  it('stops taking a remembered token once it has expired', async () => {
    const v = verifier();
    // Expires at the start of the second after next: verified now, expired within 2 s.
    const exp = nowSeconds() + 2;
    const t = await token(exp);
    await expect(v.verify(t)).resolves.toMatchObject({ sub: 'teacher-1' });
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 50));
    await expect(v.verify(t)).rejects.toThrow(/expired/);
  });
});
