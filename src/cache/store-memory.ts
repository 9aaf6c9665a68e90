import { LRUCache } from 'lru-cache';
import type { CacheEntry, ResponseCacheStore } from './store.js';

/**
 * The default: one process's memory, bounded (least recently used entries go first). Entries are kept
 * as objects, not JSON: whoever finishes a response from the cache copies before changing it.
 */
export function createMemoryCacheStore({ maxEntries = 10_000, now = Date.now } = {}): ResponseCacheStore {
  const entries = new LRUCache<string, CacheEntry>({ max: maxEntries, ttlAutopurge: false, perf: { now } });
  const tags = new Map<string, Set<string>>();
  let epoch = 0;
  return {
    async get(key) {
      return entries.get(key);
    },
    async set(key, entry, ttlMs, entryTags) {
      // Dropping everything is always correct; a tag index grown far past the entries is not worth keeping.
      if (tags.size > maxEntries * 4) {
        tags.clear();
        entries.clear();
      }
      entries.set(key, entry, { ttl: ttlMs });
      for (const tag of entryTags) {
        let keys = tags.get(tag);
        if (!keys) tags.set(tag, (keys = new Set()));
        keys.add(key);
      }
    },
    async evict(evicted) {
      let count = 0;
      epoch++;
      for (const tag of evicted) {
        for (const key of tags.get(tag) ?? []) if (entries.delete(key)) count++;
        tags.delete(tag);
      }
      return count;
    },
    async clear() {
      epoch++;
      entries.clear();
      tags.clear();
    },
    async epoch() {
      return epoch;
    },
    async ping() {
      return true;
    },
  };
}
