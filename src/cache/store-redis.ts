import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';
import type { RedisClient } from '../stores/redis.js';
import type { CacheEntry, ResponseCacheStore } from './store.js';

/** The data is kept once, as the JSON the response is written with. */
function toStored(entry: CacheEntry): string {
  if ('private' in entry || entry.dataJson === undefined) return JSON.stringify(entry);
  const { result, ...rest } = entry;
  return JSON.stringify({ ...rest, result: { errors: result.errors } });
}

function fromStored(text: string): CacheEntry {
  const entry = JSON.parse(text) as CacheEntry;
  if (!('private' in entry) && entry.dataJson !== undefined) entry.result.data = JSON.parse(entry.dataJson) as Record<string, unknown> | null;
  return entry;
}

/**
 * The cache in Redis, shared by every replica: entries through keyv (@keyv/redis), the tag index as
 * Redis sets, so a mutation through one gateway evicts for all.
 */
export function createRedisCacheStore(client: RedisClient, redisPrefix: string): ResponseCacheStore {
  const prefix = `${redisPrefix}:cache`;
  const keyv = new Keyv<string>({ store: new KeyvRedis(client as never), namespace: prefix, throwOnErrors: true });
  keyv.on('error', () => undefined); // errors are thrown to the caller, which degrades and counts them
  const tagKey = (tag: string) => `${prefix}:tag:${tag}`;
  const epochKey = `${prefix}:epoch`;
  return {
    async get(key) {
      const text = await keyv.get(key);
      return text === undefined ? undefined : fromStored(text);
    },
    async set(key, entry, ttlMs, tags) {
      await keyv.set(key, toStored(entry), ttlMs);
      const seconds = String(Math.ceil(ttlMs / 1000) + 60);
      await Promise.all(
        [...tags].map(async (tag) => {
          await client.sendCommand(['SADD', tagKey(tag), key]);
          // The tag outlives every entry recorded under it: set a TTL when it has none, extend it when shorter.
          await client.sendCommand(['EXPIRE', tagKey(tag), seconds, 'NX']);
          await client.sendCommand(['EXPIRE', tagKey(tag), seconds, 'GT']);
        }),
      );
    },
    async evict(tags) {
      await client.sendCommand(['INCR', epochKey]);
      let count = 0;
      for (const tag of tags) {
        const keys = (await client.sendCommand(['SMEMBERS', tagKey(tag)])) as string[];
        await client.sendCommand(['DEL', tagKey(tag)]);
        for (const key of keys) if (await keyv.delete(key)) count++;
      }
      return count;
    },
    async clear() {
      await client.sendCommand(['INCR', epochKey]);
      await keyv.clear();
      let cursor = '0';
      do {
        const [next, keys] = (await client.sendCommand(['SCAN', cursor, 'MATCH', `${prefix}:tag:*`, 'COUNT', '500'])) as [string, string[]];
        if (keys.length) await client.sendCommand(['DEL', ...keys]);
        cursor = next;
      } while (cursor !== '0');
    },
    async epoch() {
      return Number((await client.sendCommand(['GET', epochKey])) ?? 0);
    },
    async ping() {
      return client.isReady && (await client.sendCommand(['PING']).then(() => true, () => false));
    },
  };
}
