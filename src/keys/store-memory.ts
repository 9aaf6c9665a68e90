import type { ApiKeyRecord, ApiKeyStore } from './api-key.js';

/** Keys in this process only (tests, and a gateway without a file or Redis). */
export function createMemoryKeyStore(initial: ApiKeyRecord[] = []): ApiKeyStore {
  const records = new Map<string, ApiKeyRecord>(initial.map((r) => [r.id, structuredClone(r)]));
  return {
    list: async () => [...records.values()].map((r) => structuredClone(r)),
    get: async (id) => {
      const record = records.get(id);
      return record && structuredClone(record);
    },
    put: async (record) => void records.set(record.id, structuredClone(record)),
    byHash: async (hash) => {
      for (const record of records.values()) {
        if (record.hash === hash || record.previous?.hash === hash) return structuredClone(record);
      }
      return undefined;
    },
  };
}
