import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createRequestVerifier,
  DEV_SUBGRAPH_SECRET,
  gatewayPublicKey,
  IDENTITY_HEADER,
  IdentityError,
  parsePublicKey,
  publicKeyText,
  sha256Hex,
  SIGNATURE_HEADER,
  signingKeyFrom,
  signRequest,
} from '../../src/identity/signed-identity.js';

const secret = 'a-test-secret-of-enough-length';
const alice = { sub: 'alice', scopes: ['admin'], name: 'Alice' };
const NOW = 1_800_000_000;
const BODY = '{"query":"{ users { nodes { email } } }"}';
const request = { identity: alice, method: 'POST', audience: 'users', path: '/graphql', body: BODY };
const signed = (overrides: Partial<typeof request & { singleUse: boolean }> = {}, at = NOW, key = secret) => signRequest({ ...request, ...overrides }, key, at);
const read = (h: Record<string, string>) => ({ identity: h[IDENTITY_HEADER], signature: h[SIGNATURE_HEADER] });
/** What the users subgraph sees of `request`. */
const seen = { method: 'POST', path: '/graphql', bodySha256: sha256Hex(BODY) };
const users = createRequestVerifier([gatewayPublicKey(secret)], { audience: 'users' });
const verify = (headers: Record<string, string>, as = seen, at = NOW) => users.verify(as, read(headers), at);

describe('signed identity', () => {
  it('round-trips an identity signed for this request', () => {
    expect(verify(signed())).toEqual(alice);
  });

  it('binds the signature to the method, the subgraph, the path and the body', () => {
    const headers = signed();
    expect(() => verify(headers, { ...seen, bodySha256: sha256Hex('{"query":"mutation { addTodo(input: {title: \\"x\\"}) { id } }"}') })).toThrow(/invalid/);
    expect(() => verify(headers, { ...seen, method: 'GET' })).toThrow(/invalid/);
    expect(() => verify(headers, { ...seen, path: '/graphql?x=1' })).toThrow(/invalid/);
    const todos = createRequestVerifier([gatewayPublicKey(secret)], { audience: 'todos' });
    expect(() => todos.verify(seen, read(headers), NOW)).toThrow(/invalid/);
  });

  it('refuses a forged identity, another key, a missing header and a malformed signature', () => {
    const headers = signed();
    const forged = { ...headers, [IDENTITY_HEADER]: Buffer.from(JSON.stringify({ sub: 'mallory', scopes: ['admin'] })).toString('base64url') };
    expect(() => verify(forged)).toThrow(/invalid/);
    expect(() => verify(signed({}, NOW, 'another-secret-of-enough-length'))).toThrow(/unknown key/);
    expect(() => users.verify(seen, { identity: headers[IDENTITY_HEADER] }, NOW)).toThrow(/missing/);
    expect(() => verify({ ...headers, [SIGNATURE_HEADER]: headers[SIGNATURE_HEADER].replace(/v2=./, 'v2=') })).toThrow(/malformed/);
    // The old HMAC format is not accepted any more.
    expect(() => verify({ ...headers, [SIGNATURE_HEADER]: `t=${NOW},v1=abc` })).toThrow(IdentityError);
  });

  it('accepts a signature up to 30 s old and up to 5 s ahead, and nothing beyond', () => {
    expect(verify(signed({}, NOW - 30))).toEqual(alice);
    expect(() => verify(signed({}, NOW - 31))).toThrow(/expired/);
    expect(verify(signed({}, NOW + 5))).toEqual(alice);
    expect(() => verify(signed({}, NOW + 6))).toThrow(/future/);
    const strict = createRequestVerifier([gatewayPublicKey(secret)], { audience: 'users', maxAgeSeconds: 2, maxSkewSeconds: 0 });
    expect(() => strict.verify(seen, read(signed({}, NOW - 3)), NOW)).toThrow(/expired/);
    expect(() => strict.verify(seen, read(signed({}, NOW + 1)), NOW)).toThrow(/future/);
  });

  it('a verified signature remembered for speed still has to match the request and be fresh', () => {
    const headers = signed();
    expect(verify(headers)).toEqual(alice);
    expect(() => verify(headers, { ...seen, path: '/' })).toThrow(/invalid/);
    expect(() => verify(headers, seen, NOW + 31)).toThrow(/expired/);
  });

  it('accepts every key of a rotation, each by its id', () => {
    const next = 'the-next-secret-of-enough-length';
    const both = createRequestVerifier([gatewayPublicKey(secret), gatewayPublicKey(next)], { audience: 'users' });
    expect(both.verify(seen, read(signed()), NOW)).toEqual(alice);
    expect(both.verify(seen, read(signed({}, NOW, next)), NOW)).toEqual(alice);
  });

  it('signs with a PEM Ed25519 private key as well as with a secret it derives one from', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    expect(gatewayPublicKey(pem)).toBe(publicKeyText(publicKey));
    const verifier = createRequestVerifier([publicKeyText(publicKey)], { audience: 'users' });
    expect(verifier.verify(seen, read(signed({}, NOW, pem)), NOW)).toEqual(alice);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    expect(() => signingKeyFrom(rsa)).toThrow(/Ed25519/);
    expect(() => signingKeyFrom('-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----')).not.toThrow(/not a key/);
  });

  it('derives one fixed dev key pair, and refuses malformed public keys', () => {
    expect(gatewayPublicKey(DEV_SUBGRAPH_SECRET)).toBe(gatewayPublicKey(DEV_SUBGRAPH_SECRET));
    expect(gatewayPublicKey(DEV_SUBGRAPH_SECRET)).toMatch(/^[\w-]{43}$/);
    expect(() => parsePublicKey('not-a-key')).toThrow(/43 base64url/);
    expect(() => createRequestVerifier([], { audience: 'users' })).toThrow(/at least one/);
  });
});

describe('single-use signatures (mutations)', () => {
  const MUTATION = '{"query":"mutation { addTodo(input: { title: \\"x\\" }) { id } }"}';
  const asSeen = { method: 'POST', path: '/graphql', bodySha256: sha256Hex(MUTATION) };
  const once = (at = NOW) => signed({ body: MUTATION, singleUse: true }, at);
  const fresh = (options = {}) => createRequestVerifier([gatewayPublicKey(secret)], { audience: 'users', ...options });
  const withSignature = (headers: Record<string, string>, signature: string) => ({ ...headers, [SIGNATURE_HEADER]: signature });

  it('carries a 16-byte nonce, a fresh one for each identical request in the same second', () => {
    const [a, b] = [once(), once()];
    expect(a[SIGNATURE_HEADER]).toMatch(/^t=1800000000,k=[\w-]{11},n=[\w-]{22},v2=[\w-]{86}$/);
    expect(b[SIGNATURE_HEADER]).not.toBe(a[SIGNATURE_HEADER]);
    const verifier = fresh();
    expect(verifier.verifyRequest(asSeen, read(a), NOW)).toEqual({ identity: alice, singleUse: true });
    expect(verifier.verifyRequest(asSeen, read(b), NOW)).toEqual({ identity: alice, singleUse: true });
  });

  it('is accepted once: the same headers again are refused as a replay', () => {
    const verifier = fresh();
    const headers = once();
    expect(verifier.verify(asSeen, read(headers), NOW)).toEqual(alice);
    expect(() => verifier.verify(asSeen, read(headers), NOW)).toThrow(/replayed/);
    expect(() => verifier.verify(asSeen, read(headers), NOW + 30)).toThrow(/replayed/);
    expect(() => verifier.verify(asSeen, read(headers), NOW + 31)).toThrow(/expired/);
  });

  it('does not verify with its nonce removed or changed, and a refused one uses up no nonce', () => {
    const verifier = fresh();
    const headers = once();
    const signature = headers[SIGNATURE_HEADER];
    expect(() => verifier.verify(asSeen, read(withSignature(headers, signature.replace(/,n=[\w-]{22}/, ''))), NOW)).toThrow(/invalid/);
    const other = signature.replace(/n=[\w-]/, (m) => (m.endsWith('A') ? 'n=B' : 'n=A'));
    expect(() => verifier.verify(asSeen, read(withSignature(headers, other)), NOW)).toThrow(/invalid/);
    expect(() => verifier.verify({ ...asSeen, path: '/' }, read(headers), NOW)).toThrow(/invalid/);
    // None of the refusals above used the nonce: the genuine request still goes through, once.
    expect(verifier.verify(asSeen, read(headers), NOW)).toEqual(alice);
    expect(() => verifier.verify(asSeen, read(withSignature(headers, signature.replace(/,n=/, ',n=x'))), NOW)).toThrow(/malformed/);
  });

  it('a signature without a nonce says so, and stays reusable within its lifetime', () => {
    const verifier = fresh();
    const headers = signed({ body: MUTATION });
    expect(headers[SIGNATURE_HEADER]).not.toMatch(/n=/);
    expect(verifier.verifyRequest(asSeen, read(headers), NOW)).toEqual({ identity: alice, singleUse: false });
    expect(verifier.verifyRequest(asSeen, read(headers), NOW)).toEqual({ identity: alice, singleUse: false });
  });

  it('remembers at most maxNonces at once, refusing more until the oldest are past lifetime + skew', () => {
    const verifier = fresh({ maxNonces: 2 });
    expect(verifier.verify(asSeen, read(once()), NOW)).toEqual(alice);
    expect(verifier.verify(asSeen, read(once()), NOW)).toEqual(alice);
    expect(() => verifier.verify(asSeen, read(once()), NOW)).toThrow(/too many/);
    // Accepted at NOW, kept until NOW + 30 + 5: a signature dated up to 5 s ahead is acceptable that long.
    expect(() => verifier.verify(asSeen, read(once(NOW + 5)), NOW + 35)).toThrow(/too many/);
    expect(verifier.verify(asSeen, read(once(NOW + 6)), NOW + 36)).toEqual(alice);
  });
});
