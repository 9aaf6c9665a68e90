import type { Identity } from '../../src/identity/signed-identity.js';
import type { Db } from '../runtime/index.js';
import { upsertUser } from './store.js';

export interface ProvisionerOptions {
  /** How many callers to remember as provisioned before forgetting the oldest. Default 10 000. */
  maxRemembered?: number;
}

/**
 * Creates a caller's user on first use: once per subject (and claims) per provisioner,
 * remembered in a bounded, insertion-ordered Map.
 */
export function createProvisioner(db: Db, { maxRemembered = 10_000 }: ProvisionerOptions = {}) {
  const seen = new Map<string, true>();
  return async (identity: Identity): Promise<void> => {
    if (!identity.sub) return;
    const key = JSON.stringify([identity.sub, identity.name ?? null, identity.email ?? null]);
    if (seen.has(key)) return;
    await upsertUser(db, { id: identity.sub, name: identity.name, email: identity.email });
    seen.set(key, true);
    if (seen.size > maxRemembered) seen.delete(seen.keys().next().value!);
  };
}
