import type { ApiKeyRecord, ApiKeyStore } from './api-key.js';

export interface StaticKey {
  id: string;
  hash: string;
  plan: string;
  name?: string;
}

/**
 * The keys listed in the config file (`apiKeys.static`, hashed) in front of a writable store: found
 * and listed like the others, never changed (revoke one by removing it from the config).
 */
export function withStaticKeys(store: ApiKeyStore, keys: readonly StaticKey[], createdAt = new Date(0).toISOString()): ApiKeyStore {
  if (keys.length === 0) return store;
  const records = new Map<string, ApiKeyRecord>(
    keys.map((k) => [k.id, { id: k.id, plan: k.plan, hash: k.hash.toLowerCase(), createdAt, state: 'active', ...(k.name !== undefined ? { name: k.name } : {}) }]),
  );
  const byHash = new Map([...records.values()].map((r) => [r.hash, r]));
  return {
    async list() {
      return [...records.values(), ...(await store.list()).filter((r) => !records.has(r.id))].map((r) => structuredClone(r));
    },
    async get(id) {
      const record = records.get(id);
      return record ? structuredClone(record) : store.get(id);
    },
    async byHash(hash) {
      const record = byHash.get(hash);
      return record ? structuredClone(record) : store.byHash(hash);
    },
    async put(record) {
      if (records.has(record.id)) throw new Error(`${record.id} is a static key (apiKeys.static): change it in the config file`);
      await store.put(record);
    },
    isReadOnly: (id) => records.has(id) || (store.isReadOnly?.(id) ?? false),
    close: () => store.close?.() ?? Promise.resolve(),
  };
}
