import { createHmac, timingSafeEqual } from 'node:crypto';

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

/** The dev-only signing secret; gateway and subgraphs both fall back to it outside production. */
export const DEV_SUBGRAPH_SECRET = 'portico-dev-subgraph-secret-change-me';

export const IDENTITY_HEADER = 'x-portico-identity';
export const SIGNATURE_HEADER = 'x-portico-signature';

/** How old a signature may be, in seconds, before a subgraph refuses it. */
export const DEFAULT_MAX_AGE_SECONDS = 60;

function mac(secret: string, timestamp: number, payload: string): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest();
}

/** Headers that carry `identity`, signed with HMAC-SHA256 over a timestamp and the payload. */
export function signIdentity(
  identity: Identity,
  secret: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const payload = Buffer.from(JSON.stringify(identity)).toString('base64url');
  const signature = mac(secret, nowSeconds, payload).toString('base64url');
  return { [IDENTITY_HEADER]: payload, [SIGNATURE_HEADER]: `t=${nowSeconds},v1=${signature}` };
}

/** Signs identities, reusing one header set per identity within the same second (the signature's granularity). */
export interface IdentitySigner {
  sign(identity: Identity, nowSeconds?: number): Record<string, string>;
}

/**
 * A signer that remembers up to `maxEntries` recently signed identities: a header set signed in
 * second `t` is exactly what `signIdentity` would produce again in second `t`, so it is reused
 * instead of recomputing the HMAC. The cache lives in the signer (one per data source).
 */
export function createIdentitySigner(secret: string, { maxEntries = 1000 } = {}): IdentitySigner {
  const signed = new Map<string, { at: number; headers: Record<string, string> }>();
  return {
    sign(identity, nowSeconds = Math.floor(Date.now() / 1000)) {
      const json = JSON.stringify(identity);
      const hit = signed.get(json);
      if (hit && hit.at === nowSeconds) return hit.headers;
      const payload = Buffer.from(json).toString('base64url');
      const signature = mac(secret, nowSeconds, payload).toString('base64url');
      const headers = Object.freeze({ [IDENTITY_HEADER]: payload, [SIGNATURE_HEADER]: `t=${nowSeconds},v1=${signature}` });
      // Oldest first out: a re-signed identity moves to the end.
      signed.delete(json);
      if (signed.size >= maxEntries) signed.delete(signed.keys().next().value as string);
      signed.set(json, { at: nowSeconds, headers });
      return headers;
    },
  };
}

export class IdentityError extends Error {}

/**
 * Checks the signed identity headers and returns the identity.
 * Throws IdentityError when a header is missing, the signature is wrong, or it is too old or from the future.
 */
export function verifyIdentity(
  headers: { identity?: string | null; signature?: string | null },
  secret: string,
  { nowSeconds = Math.floor(Date.now() / 1000), maxAgeSeconds = DEFAULT_MAX_AGE_SECONDS } = {},
): Identity {
  const { identity: payload, signature } = headers;
  if (!payload || !signature) throw new IdentityError('missing signed identity');
  const match = /^t=(\d+),v1=([A-Za-z0-9_-]+)$/.exec(signature);
  if (!match) throw new IdentityError('malformed identity signature');
  const timestamp = Number(match[1]);
  if (Math.abs(nowSeconds - timestamp) > maxAgeSeconds) throw new IdentityError('identity signature expired');
  const expected = mac(secret, timestamp, payload);
  const given = Buffer.from(match[2], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new IdentityError('invalid identity signature');
  }
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
