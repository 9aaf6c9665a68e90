import { LRUCache } from 'lru-cache';
import type { CacheEntry, ResponseCacheStore } from './store.js';

/**
 * The default: one process's memory, bounded (least recently used entries go first). Entries are kept
 * as objects, not JSON: whoever finishes a response from the cache copies before changing it. The tag
 * index holds only live entries: an entry that leaves (evicted, expired, pushed out, replaced) leaves
 * every tag set it was in.
 */
export function createMemoryCacheStore({ maxEntries = 10_000, now = Date.now } = {}): ResponseCacheStore {
  const tags = new Map<string, Set<string>>();
  const tagsOf = new Map<string, Iterable<string>>();
  const untag = (key: string) => {
    for (const tag of tagsOf.get(key) ?? []) {
      const keys = tags.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) tags.delete(tag);
    }
    tagsOf.delete(key);
  };
  const entries = new LRUCache<string, CacheEntry>({ max: maxEntries, ttlAutopurge: false, perf: { now }, dispose: (_value, key) => untag(key) });
  let epoch = 0;
  return {
    async get(key) {
      return entries.get(key);
    },
    async set(key, entry, ttlMs, entryTags) {
      entries.set(key, entry, { ttl: ttlMs });
      const list = [...entryTags];
      tagsOf.set(key, list);
      for (const tag of list) {
        let keys = tags.get(tag);
        if (!keys) tags.set(tag, (keys = new Set()));
        keys.add(key);
      }
    },
    async evict(evicted) {
      let count = 0;
      epoch++;
      for (const tag of evicted) {
        for (const key of [...(tags.get(tag) ?? [])]) if (entries.delete(key)) count++;
        tags.delete(tag);
      }
      return count;
    },
    async clear() {
      epoch++;
      entries.clear();
      tags.clear();
      tagsOf.clear();
    },
    async epoch() {
      return epoch;
    },
    async ping() {
      return true;
    },
    /** How many tag sets the index holds (for tests: it must not outgrow the entries). */
    get tagCount() {
      return tags.size;
    },
  } as ResponseCacheStore & { readonly tagCount: number };
}
