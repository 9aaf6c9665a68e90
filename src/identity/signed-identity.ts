import { createHash, createPrivateKey, createPublicKey, hkdfSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';

/**
 * The identity the gateway vouches for when it calls a subgraph.
 * Subgraphs trust it only with a valid signature, so nobody can reach a subgraph
 * around the gateway's checks by writing these headers themselves.
 */
export interface Identity {
  /** Token subject; absent for an anonymous caller. */
  sub?: string;
  scopes: string[];
  /** Display claims a subgraph may use to provision a user (name, email). */
  name?: string;
  email?: string;
}

/**
 * The dev-only gateway secret: the seed of the documented dev key pair. Gateway and subgraphs fall
 * back to it (the subgraphs to its public key) outside production only.
 */
export const DEV_SUBGRAPH_SECRET = 'portico-dev-subgraph-secret-change-me';

export const IDENTITY_HEADER = 'x-portico-identity';
export const SIGNATURE_HEADER = 'x-portico-signature';

/** How old a signature may be, in seconds, before a subgraph refuses it. */
export const DEFAULT_MAX_AGE_SECONDS = 30;
/** How far ahead of the subgraph's clock a signature's timestamp may be (clock skew), in seconds. */
export const DEFAULT_MAX_SKEW_SECONDS = 5;

/** What one signature vouches for: one request, to one subgraph, with one body, from one caller. */
export interface SignedRequest {
  method: string;
  /** The subgraph's name: a signature for one subgraph is refused by every other. */
  audience: string;
  /** Path and query string as sent (`/graphql`, `/graphql?x=1`). */
  path: string;
  /** Hex SHA-256 of the request body as sent (of the empty string when there is none). */
  bodySha256: string;
  /** The identity header's value. */
  identity: string;
  /**
   * A call that must not run twice (a mutation): signed with a fresh random nonce, which a subgraph
   * accepts once. Such a signature is never reused from the same-second cache.
   */
  singleUse?: boolean;
}

/** The nonce of a single-use signature: 16 random bytes, base64url (22 characters). */
const newNonce = (): string => randomBytes(16).toString('base64url');

export class IdentityError extends Error {}

export const sha256Hex = (body: string | Uint8Array = ''): string => createHash('sha256').update(body).digest('hex');

/**
 * The string the gateway signs; newline-separated, none of its parts can hold a newline. A nonce, when
 * there is one, is a last line of its own: a signature with a nonce does not verify without it.
 */
function canonical(request: Omit<SignedRequest, 'singleUse'>, timestamp: number, nonce?: string): string {
  const parts = ['portico-identity-v2', request.method.toUpperCase(), request.audience, request.path, timestamp, request.bodySha256, request.identity];
  return (nonce === undefined ? parts : [...parts, `n=${nonce}`]).join('\n');
}

// PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The gateway's Ed25519 signing key: a PEM private key as is, or any other string (`subgraphSecret`)
 * as the seed of one, through HKDF-SHA256, so that one secret configures it.
 */
export function signingKeyFrom(secret: string): KeyObject {
  if (secret.trimStart().startsWith('-----BEGIN')) {
    let key: KeyObject | undefined;
    try {
      key = createPrivateKey(secret);
    } catch {
      // The parser's own message is not repeated: it could quote part of the key.
    }
    if (key?.asymmetricKeyType !== 'ed25519') throw new Error('subgraphSecret: a PEM key must be an Ed25519 private key (PKCS#8)');
    return key;
  }
  const seed = Buffer.from(hkdfSync('sha256', secret, 'portico', 'gateway identity signing key v2', 32));
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** A public key as subgraphs are configured with it: the raw 32 bytes, base64url (a JWK's `x`). */
export function publicKeyText(key: KeyObject): string {
  const jwk = (key.type === 'public' ? key : createPublicKey(key)).export({ format: 'jwk' });
  return jwk.x as string;
}

/** The public key subgraphs need to verify what a gateway with `secret` signs. */
export const gatewayPublicKey = (secret: string): string => publicKeyText(signingKeyFrom(secret));

/** A key's id in signatures: the first 8 bytes of the SHA-256 of its raw public key, base64url. */
function keyIdOf(publicKey: string): string {
  return createHash('sha256').update(Buffer.from(publicKey, 'base64url')).digest().subarray(0, 8).toString('base64url');
}

/** Parses a configured public key; throws with a message naming what is wrong. */
export function parsePublicKey(text: string): { keyId: string; key: KeyObject } {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9_-]{43}$/.test(trimmed) || Buffer.from(trimmed, 'base64url').length !== 32) {
    throw new Error('a gateway public key is 43 base64url characters (a raw Ed25519 key)');
  }
  return { keyId: keyIdOf(trimmed), key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: trimmed }, format: 'jwk' }) };
}

export const encodeIdentity = (identity: Identity): string => Buffer.from(JSON.stringify(identity)).toString('base64url');

const nowInSeconds = () => Math.floor(Date.now() / 1000);

/** Signs requests for subgraphs; one per gateway, shared by its data sources. */
export interface RequestSigner {
  /** The `x-portico-signature` value for `request`. */
  sign(request: SignedRequest, nowSeconds?: number): string;
  /** The public key subgraphs verify with (base64url) and its id. */
  readonly publicKey: string;
  readonly keyId: string;
}

/**
 * A signer with the key from `secret` that reuses the signature of an identical request within the
 * same second (the timestamp's granularity: it would compute the very same one), keeping up to
 * `maxEntries` of them, oldest out first. A `singleUse` request always gets a signature of its own,
 * with a fresh nonce (`n=`).
 */
export function createRequestSigner(secret: string, { maxEntries = 1000 } = {}): RequestSigner {
  const key = signingKeyFrom(secret);
  const publicKey = publicKeyText(key);
  const keyId = keyIdOf(publicKey);
  const recent = new Map<string, { at: number; value: string }>();
  return {
    publicKey,
    keyId,
    sign(request, nowSeconds = nowInSeconds()) {
      if (request.singleUse) {
        const nonce = newNonce();
        const signature = sign(null, Buffer.from(canonical(request, nowSeconds, nonce)), key).toString('base64url');
        return `t=${nowSeconds},k=${keyId},n=${nonce},v2=${signature}`;
      }
      const what = canonical(request, 0);
      const hit = recent.get(what);
      if (hit && hit.at === nowSeconds) return hit.value;
      const signature = sign(null, Buffer.from(canonical(request, nowSeconds)), key).toString('base64url');
      const value = `t=${nowSeconds},k=${keyId},v2=${signature}`;
      recent.delete(what);
      if (recent.size >= maxEntries) recent.delete(recent.keys().next().value as string);
      recent.set(what, { at: nowSeconds, value });
      return value;
    },
  };
}

/** The identity and signature headers for one request (tests, tools; the gateway uses a RequestSigner). */
export function signRequest(
  request: { identity: Identity; method: string; audience: string; path: string; body?: string; singleUse?: boolean },
  secret: string,
  nowSeconds = nowInSeconds(),
): Record<string, string> {
  const identity = encodeIdentity(request.identity);
  const signature = createRequestSigner(secret).sign({ ...request, identity, bodySha256: sha256Hex(request.body) }, nowSeconds);
  return { [IDENTITY_HEADER]: identity, [SIGNATURE_HEADER]: signature };
}

export interface VerifierOptions {
  /** This subgraph's name; signatures for any other audience are refused. */
  audience: string;
  maxAgeSeconds?: number;
  maxSkewSeconds?: number;
  /** Signatures remembered as verified, so a repeated request skips the Ed25519 check. Default 1000. */
  maxEntries?: number;
  /**
   * Nonces of single-use signatures remembered as used, each until its signature can no longer be
   * accepted. When this many are remembered, further single-use requests are refused until some
   * expire (refusing is safe; forgetting one early would let it be replayed). Default 100 000.
   */
  maxNonces?: number;
}

/** What a valid signature vouches for. */
export interface VerifiedIdentity {
  identity: Identity;
  /** True when the signature carried a nonce, now used up: a replay of this request is refused. */
  singleUse: boolean;
}

export interface RequestVerifier {
  /**
   * The identity a request carries, checked against what it is: method, path, body digest, this
   * subgraph. Throws IdentityError when a header is missing or malformed, the signature is from an
   * unknown key, does not match, is older than the lifetime, or from further in the future than the skew.
   */
  verify(
    request: { method: string; path: string; bodySha256: string },
    headers: { identity?: string | null; signature?: string | null },
    nowSeconds?: number,
  ): Identity;
  /**
   * As `verify`, and says whether the signature was single-use. A single-use signature is accepted
   * once: its nonce is remembered, and a request with a remembered nonce throws IdentityError.
   */
  verifyRequest(
    request: { method: string; path: string; bodySha256: string },
    headers: { identity?: string | null; signature?: string | null },
    nowSeconds?: number,
  ): VerifiedIdentity;
}

/** A verifier that accepts signatures from any of `publicKeys` (several during a key rotation). */
export function createRequestVerifier(publicKeys: readonly string[], options: VerifierOptions): RequestVerifier {
  const { audience, maxAgeSeconds = DEFAULT_MAX_AGE_SECONDS, maxSkewSeconds = DEFAULT_MAX_SKEW_SECONDS, maxEntries = 1000, maxNonces = 100_000 } = options;
  const keys = new Map(publicKeys.map((text) => {
    const { keyId, key } = parsePublicKey(text);
    return [keyId, key] as const;
  }));
  if (keys.size === 0) throw new Error('a subgraph needs at least one gateway public key');
  // signature header -> the canonical string it was verified against
  const verified = new Map<string, string>();
  const usedNonces = createNonceMemory(maxNonces, maxAgeSeconds + maxSkewSeconds);
  const verifyRequest: RequestVerifier['verifyRequest'] = (request, headers, nowSeconds = nowInSeconds()) => {
    const { identity: payload, signature } = headers;
    if (!payload || !signature) throw new IdentityError('missing signed identity');
    const match = /^t=(\d{1,12}),k=([A-Za-z0-9_-]{11})(?:,n=([A-Za-z0-9_-]{22}))?,v2=([A-Za-z0-9_-]{86})$/.exec(signature);
    if (!match) throw new IdentityError('malformed identity signature');
    const [, time, keyId, nonce, signed] = match;
    const timestamp = Number(time);
    if (nowSeconds - timestamp > maxAgeSeconds) throw new IdentityError('identity signature expired');
    if (timestamp - nowSeconds > maxSkewSeconds) throw new IdentityError('identity signature from the future');
    const key = keys.get(keyId);
    if (!key) throw new IdentityError('identity signed with an unknown key');
    const message = canonical({ ...request, audience, identity: payload }, timestamp, nonce);
    if (nonce !== undefined || verified.get(signature) !== message) {
      // verify() compares in constant time; the message is recomputed here, never read from the request.
      if (!verify(null, Buffer.from(message), key, Buffer.from(signed, 'base64url'))) {
        throw new IdentityError('invalid identity signature');
      }
      // A single-use signature is never seen twice when all is well: not worth remembering as verified.
      if (nonce === undefined) {
        verified.delete(signature);
        if (verified.size >= maxEntries) verified.delete(verified.keys().next().value as string);
        verified.set(signature, message);
      }
    }
    const identity = parseIdentity(payload);
    // Used up only once the whole signature is known good: nobody can burn a nonce they did not sign.
    if (nonce !== undefined) usedNonces.use(nonce, nowSeconds);
    return { identity, singleUse: nonce !== undefined };
  };
  return {
    verifyRequest,
    verify: (request, headers, nowSeconds) => verifyRequest(request, headers, nowSeconds).identity,
  };
}

/**
 * Nonces already accepted, each kept for `keepSeconds` from its acceptance: the signature's lifetime
 * plus the skew covers every moment at which its signature could still be accepted (its timestamp is
 * at most the skew ahead of the clock). Kept in acceptance order, so expired ones leave from the front.
 */
function createNonceMemory(maxNonces: number, keepSeconds: number) {
  const until = new Map<string, number>();
  return {
    /** Records `nonce` as used; throws IdentityError when it already was, or when memory is full. */
    use(nonce: string, nowSeconds: number): void {
      for (const [old, expiry] of until) {
        if (expiry >= nowSeconds) break; // still acceptable at `expiry` itself: `now - t > maxAge` expires
        until.delete(old);
      }
      if (until.has(nonce)) throw new IdentityError('identity signature replayed (nonce already used)');
      if (until.size >= maxNonces) throw new IdentityError('too many single-use signatures within their lifetime');
      until.set(nonce, nowSeconds + keepSeconds);
    },
  };
}

function parseIdentity(payload: string): Identity {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new IdentityError('malformed identity payload');
  }
  const value = parsed as Partial<Identity>;
  if (typeof value !== 'object' || value === null || !Array.isArray(value.scopes)) {
    throw new IdentityError('malformed identity payload');
  }
  return value as Identity;
}

/**
 * What the signature of a subscription connection (graphql-ws, the identity and signature headers'
 * values in `connection_init`'s payload) vouches for: a WebSocket to `path`, without a body. The
 * gateway signs it single-use, so a payload seen once cannot open a second connection.
 */
export const connectionRequest = (path: string): { method: string; path: string; bodySha256: string } => ({
  method: 'WS',
  path,
  bodySha256: sha256Hex(''),
});
