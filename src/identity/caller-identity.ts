import { createHash } from 'node:crypto';
import type { Caller } from '../auth/caller.js';
import type { Identity } from './signed-identity.js';

/** Who the subgraphs are told the caller is, and the key a private cached answer is kept under. */
export interface CallerIdentity {
  /** Sent to every subgraph (signed): what a subgraph's answer may depend on. */
  claims: Identity;
  /** A hash of `claims` for the response cache; undefined for an anonymous caller. */
  key: string | undefined;
}

const ANONYMOUS: CallerIdentity = Object.freeze({ claims: Object.freeze({ scopes: [] }) as Identity, key: undefined });

/**
 * Resolved once per request, into its context: the signature and the cache key are the same
 * identity, so a private answer can never be keyed by less than what produced it.
 */
export function callerIdentity(caller: Caller): CallerIdentity {
  if (!caller.sub) return ANONYMOUS;
  const { name, email } = caller.claims as { name?: unknown; email?: unknown };
  const claims: Identity = {
    sub: caller.sub,
    scopes: [...caller.scopes].sort(),
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof email === 'string' ? { email } : {}),
  };
  return { claims, key: createHash('sha256').update(JSON.stringify(claims)).digest('hex') };
}

/** `callerIdentity`, made once per caller object (the authenticator hands out one per verified token). */
export function createCallerIdentities(): (caller: Caller) => CallerIdentity {
  const known = new WeakMap<Caller, CallerIdentity>();
  return (caller) => {
    let identity = known.get(caller);
    if (!identity) known.set(caller, (identity = callerIdentity(caller)));
    return identity;
  };
}
