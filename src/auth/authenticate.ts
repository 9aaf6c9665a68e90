import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { PorticoConfig } from '../config/index.js';
import { HttpError } from '../server/graphql-http.js';
import { ANONYMOUS, scopesFrom, type Caller } from './caller.js';

export interface Authenticator {
  /** The caller behind an `Authorization` header; anonymous without one. Throws a 401 HttpError on a bad token. */
  authenticate(authorization: string | undefined): Promise<Caller>;
}

/** How many verified tokens to remember, so a repeated token is not verified again. */
const VERIFIED_CACHE_SIZE = 10_000;

function unauthenticated(message: string): HttpError {
  return new HttpError(401, 'UNAUTHENTICATED', message, { 'www-authenticate': 'Bearer' });
}

/** A message for the client that names the problem and never echoes the token. */
function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'Token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `Token claim "${error.claim}" is invalid (${error.reason})`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'Token algorithm is not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'Token signature is invalid';
  if (error instanceof errors.JWKSNoMatchingKey) return 'Token key is unknown';
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return 'Token keys could not be fetched';
  return 'Token is malformed';
}

export function createAuthenticator(auth: PorticoConfig['auth']): Authenticator {
  const key: Uint8Array | JWTVerifyGetKey = auth.jwksUrl
    ? createRemoteJWKSet(new URL(auth.jwksUrl), { cooldownDuration: auth.jwksCooldownSeconds * 1000 })
    : new TextEncoder().encode(auth.jwtSecret);
  const algorithms = auth.jwksUrl ? ['RS256', 'ES256'] : ['HS256'];
  const verified = new Map<string, { caller: Caller; expiresAt: number }>();

  async function verify(token: string): Promise<Caller> {
    const { payload } = await jwtVerify(token, key as Uint8Array, {
      algorithms,
      issuer: auth.issuer,
      audience: auth.audience,
      clockTolerance: auth.clockToleranceSeconds,
      requiredClaims: ['exp'],
    });
    // jose refuses an `iat` that is not a number, but checks its time only with maxTokenAge: a token
    // issued in the future would pass policies on its age (the demo's `recent-sign-in`) for longer.
    if (payload.iat !== undefined && payload.iat > Date.now() / 1000 + auth.clockToleranceSeconds) {
      throw unauthenticated('Token claim "iat" is invalid (issued in the future)');
    }
    return toCaller(payload, auth.scopesClaim);
  }

  return {
    async authenticate(authorization) {
      if (!authorization) return ANONYMOUS;
      const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(authorization.trim());
      if (!match) throw unauthenticated('Authorization header must be "Bearer <token>"');
      const token = match[1];
      const now = Date.now();
      const hit = verified.get(token);
      if (hit && now < hit.expiresAt) return hit.caller;
      let caller: Caller;
      try {
        caller = await verify(token);
      } catch (error) {
        verified.delete(token);
        throw error instanceof HttpError ? error : unauthenticated(describe(error));
      }
      if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
      // Trust the cached result only until the token expires (tolerance included, as the verifier allows).
      const exp = caller.claims.exp as number;
      verified.set(token, { caller, expiresAt: (exp + auth.clockToleranceSeconds) * 1000 });
      return caller;
    },
  };
}

function toCaller(payload: JWTPayload, scopesClaim: string): Caller {
  return Object.freeze({
    authenticated: true,
    sub: typeof payload.sub === 'string' ? payload.sub : undefined,
    scopes: Object.freeze(scopesFrom(payload, scopesClaim)),
    claims: Object.freeze(payload),
  });
}
