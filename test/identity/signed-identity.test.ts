import { describe, expect, it } from 'vitest';
import { IDENTITY_HEADER, IdentityError, SIGNATURE_HEADER, signIdentity, verifyIdentity } from '../../src/identity/signed-identity.js';

const secret = 'a-test-secret-of-enough-length';
const alice = { sub: 'alice', scopes: ['admin'], name: 'Alice' };
const read = (h: Record<string, string>) => ({ identity: h[IDENTITY_HEADER], signature: h[SIGNATURE_HEADER] });

describe('signed identity', () => {
  it('round-trips an identity signed with the shared secret', () => {
    expect(verifyIdentity(read(signIdentity(alice, secret)), secret)).toEqual(alice);
  });

  it('refuses a forged identity, a wrong secret, a missing header and a stale signature', () => {
    const headers = signIdentity(alice, secret);
    const forged = { ...read(headers), identity: Buffer.from(JSON.stringify({ sub: 'mallory', scopes: ['admin'] })).toString('base64url') };
    expect(() => verifyIdentity(forged, secret)).toThrow(IdentityError);
    expect(() => verifyIdentity(read(headers), 'another-secret-of-enough-length')).toThrow(IdentityError);
    expect(() => verifyIdentity({ identity: headers[IDENTITY_HEADER] }, secret)).toThrow(/missing/);
    const old = signIdentity(alice, secret, Math.floor(Date.now() / 1000) - 3600);
    expect(() => verifyIdentity(read(old), secret)).toThrow(/expired/);
  });
});
