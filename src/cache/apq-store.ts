import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';
import { LRUCache } from 'lru-cache';
import type { RedisClient } from '../stores/redis.js';

/** Automatic persisted queries in the same store as the cache: Redis when configured, else memory. */
export function createApqStore(redis: RedisClient | undefined, redisPrefix: string, maxEntries: number): KeyValueCache<string> {
  const keyv = redis
    ? new Keyv<string>({ store: new KeyvRedis(redis as never), namespace: `${redisPrefix}:apq` })
    : new Keyv<string>({ store: new LRUCache<string, string>({ max: maxEntries }) as never });
  keyv.on('error', () => undefined); // a lost APQ entry makes the client send the query again
  return {
    get: async (key) => (await keyv.get(key)) ?? undefined,
    set: async (key, value, options) => void (await keyv.set(key, value, options?.ttl ? options.ttl * 1000 : undefined)),
    delete: async (key) => keyv.delete(key),
  };
}
