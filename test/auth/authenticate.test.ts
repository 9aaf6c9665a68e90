import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../src/auth/authenticate.js';
import { loadConfig, type ConfigInput } from '../../src/config/index.js';
import { HttpError } from '../../src/server/graphql-http.js';

const secret = 'a-test-secret-that-is-long-enough-123';
const authConfig = (auth: ConfigInput['auth']) => loadConfig({ env: {}, file: '/dev/null', overrides: { auth } }).auth;
const hs = (claims: Record<string, unknown> = {}) =>
  new SignJWT({ exp: Math.floor(Date.now() / 1000) + 300, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('alice')
    .sign(new TextEncoder().encode(secret));

async function rejection(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HttpError);
  const http = error as HttpError;
  expect(http.status).toBe(401);
  expect(http.code).toBe('UNAUTHENTICATED');
  return http;
}

describe('HS256 tokens', () => {
  const auth = createAuthenticator(authConfig({ jwtSecret: secret, issuer: 'portico-test', audience: 'portico' }));
  const good = (claims: Record<string, unknown> = {}) => hs({ iss: 'portico-test', aud: 'portico', ...claims });

  it('treats a request without a token as anonymous', async () => {
    const caller = await auth.authenticate(undefined);
    expect(caller.sub).toBeUndefined();
    expect(caller.scopes).toEqual([]);
  });

  it('accepts a valid token and reads scopes from a string or an array', async () => {
    expect(await auth.authenticate(`Bearer ${await good({ scope: 'a b' })}`)).toMatchObject({ sub: 'alice', scopes: ['a', 'b'] });
    expect(await auth.authenticate(`Bearer ${await good({ scope: ['c'] })}`)).toMatchObject({ scopes: ['c'] });
  });

  it('refuses an expired token', async () => {
    const token = await good({ exp: Math.floor(Date.now() / 1000) - 120 });
    expect((await rejection(auth.authenticate(`Bearer ${token}`))).message).toBe('Token has expired');
  });

  it('refuses a tampered token', async () => {
    const [h, , s] = (await good()).split('.');
    const payload = Buffer.from(JSON.stringify({ sub: 'mallory', iss: 'portico-test', aud: 'portico', exp: 9999999999 })).toString('base64url');
    expect((await rejection(auth.authenticate(`Bearer ${h}.${payload}.${s}`))).message).toBe('Token signature is invalid');
  });

  it('refuses alg: none', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: 'mallory', iss: 'portico-test', aud: 'portico', exp: 9999999999 })).toString('base64url');
    await rejection(auth.authenticate(`Bearer ${header}.${payload}.`));
  });

  it('refuses a wrong issuer or audience, and a token without exp', async () => {
    expect((await rejection(auth.authenticate(`Bearer ${await good({ aud: 'someone-else' })}`))).message).toContain('"aud"');
    expect((await rejection(auth.authenticate(`Bearer ${await good({ iss: 'evil' })}`))).message).toContain('"iss"');
    const noExp = await new SignJWT({ iss: 'portico-test', aud: 'portico' }).setProtectedHeader({ alg: 'HS256' }).setSubject('a').sign(new TextEncoder().encode(secret));
    expect((await rejection(auth.authenticate(`Bearer ${noExp}`))).message).toContain('"exp"');
  });

  it('refuses a header that is not a Bearer token, and never echoes the token', async () => {
    await rejection(auth.authenticate('Basic dXNlcjpwYXNz'));
    const token = await hs({ iss: 'portico-test', aud: 'wrong' });
    expect((await rejection(auth.authenticate(`Bearer ${token}`))).message).not.toContain(token);
  });

  it('accepts a token up to the clock tolerance past exp, not beyond', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await auth.authenticate(`Bearer ${await good({ exp: now - 10 })}`)).toMatchObject({ sub: 'alice' });
    await rejection(auth.authenticate(`Bearer ${await good({ exp: now - 60 })}`));
  });

  it('accepts an iat up to the clock tolerance in the future, not beyond, and refuses one that is not a number', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await auth.authenticate(`Bearer ${await good({ iat: now + 10 })}`)).toMatchObject({ sub: 'alice' });
    const future = await good({ iat: now + 3600, exp: now + 7200 });
    const refused = await rejection(auth.authenticate(`Bearer ${future}`));
    expect(refused.message).toBe('Token claim "iat" is invalid (issued in the future)');
    expect(refused.message).not.toContain(future);
    // Refused every time: a refused token is not remembered as verified.
    await rejection(auth.authenticate(`Bearer ${future}`));
    expect((await rejection(auth.authenticate(`Bearer ${await good({ iat: 'yesterday' })}`))).message).toBe('Token claim "iat" is invalid (invalid)');
  });

  it('refuses an nbf beyond the clock tolerance', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await auth.authenticate(`Bearer ${await good({ nbf: now + 10 })}`)).toMatchObject({ sub: 'alice' });
    expect((await rejection(auth.authenticate(`Bearer ${await good({ nbf: now + 3600 })}`))).message).toBe('Token claim "nbf" is invalid (check_failed)');
  });
});

describe('RS256 and ES256 tokens from a JWKS URL', () => {
  let server: Server;
  let jwksUrl: string;
  let fetches = 0;
  const keys: JWK[] = [];
  const signers: Record<string, CryptoKey> = {};

  async function addKey(alg: 'RS256' | 'ES256', kid: string) {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
    keys.push({ ...(await exportJWK(publicKey)), kid, alg, use: 'sig' });
    signers[kid] = privateKey as CryptoKey;
  }
  const sign = (alg: string, kid: string) =>
    new SignJWT({ scope: 'read' }).setProtectedHeader({ alg, kid }).setSubject('bob').setExpirationTime('5m').sign(signers[kid]);

  beforeAll(async () => {
    await addKey('RS256', 'rsa-1');
    await addKey('ES256', 'ec-1');
    server = createServer((_req, res) => {
      fetches += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('verifies RS256 and ES256 tokens with keys fetched once', async () => {
    const auth = createAuthenticator(authConfig({ jwksUrl }));
    expect(await auth.authenticate(`Bearer ${await sign('RS256', 'rsa-1')}`)).toMatchObject({ sub: 'bob', scopes: ['read'] });
    expect(await auth.authenticate(`Bearer ${await sign('ES256', 'ec-1')}`)).toMatchObject({ sub: 'bob' });
    expect(fetches).toBe(1);
  });

  it('refetches the key set for an unknown kid, at most once per cooldown', async () => {
    const auth = createAuthenticator(authConfig({ jwksUrl, jwksCooldownSeconds: 60 }));
    await auth.authenticate(`Bearer ${await sign('RS256', 'rsa-1')}`);
    const before = fetches;
    await addKey('RS256', 'rsa-2');
    // Within the cooldown, the new key is not fetched yet; the first request after rotation was fetched on start.
    const rotated = await sign('RS256', 'rsa-2');
    await rejection(auth.authenticate(`Bearer ${rotated}`));
    await rejection(auth.authenticate(`Bearer ${rotated}`));
    expect(fetches - before).toBeLessThanOrEqual(1);

    const fresh = createAuthenticator(authConfig({ jwksUrl, jwksCooldownSeconds: 0 }));
    await fresh.authenticate(`Bearer ${await sign('RS256', 'rsa-1')}`);
    await addKey('ES256', 'ec-2');
    expect(await fresh.authenticate(`Bearer ${await sign('ES256', 'ec-2')}`)).toMatchObject({ sub: 'bob' });
  });

  it('refuses an HS256 token when keys come from a JWKS URL', async () => {
    const auth = createAuthenticator(authConfig({ jwksUrl }));
    expect((await rejection(auth.authenticate(`Bearer ${await hs()}`))).message).toBe('Token algorithm is not allowed');
  });
});
