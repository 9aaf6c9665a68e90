import type { JWTPayload } from 'jose';

/** Who is calling, as established by the verified token. */
export interface Caller {
  /** True when the request carried a valid token. */
  authenticated: boolean;
  /** Token subject; undefined for an anonymous caller. */
  sub?: string;
  scopes: readonly string[];
  claims: Readonly<JWTPayload>;
}

export const ANONYMOUS: Caller = Object.freeze({ authenticated: false, scopes: Object.freeze([]), claims: Object.freeze({}) });

/** Scopes from a claim holding either a space-separated string or an array of strings. */
export function scopesFrom(claims: JWTPayload, claim: string): string[] {
  const value = claims[claim];
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string');
  return [];
}
