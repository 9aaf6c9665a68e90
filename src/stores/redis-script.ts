import type { RedisClient } from './redis.js';

/** A Lua script run by its SHA (loaded on first use, and again after Redis restarts and forgets it). */
export function redisScript<T>(client: RedisClient, source: string) {
  let sha: string | undefined;
  return async (keys: string[], args: string[]): Promise<T> => {
    if (sha) {
      try {
        return (await client.sendCommand(['EVALSHA', sha, String(keys.length), ...keys, ...args])) as T;
      } catch (error) {
        if (!String((error as Error).message).includes('NOSCRIPT')) throw error;
      }
    }
    sha = (await client.sendCommand(['SCRIPT', 'LOAD', source])) as string;
    return (await client.sendCommand(['EVALSHA', sha, String(keys.length), ...keys, ...args])) as T;
  };
}
