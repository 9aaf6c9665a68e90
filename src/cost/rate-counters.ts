import type { RedisClient } from '../stores/redis.js';

/** Fixed-window counters: `hit` adds to the current window's count. */
export interface RateCounter {
  hit(key: string, amount: number, windowMs: number): Promise<{ total: number; resetMs: number }>;
}

export function createMemoryCounters({ now = Date.now, maxKeys = 100_000 } = {}): RateCounter {
  const windows = new Map<string, { total: number; endsAt: number }>();
  return {
    async hit(key, amount, windowMs) {
      const time = now();
      let window = windows.get(key);
      if (!window || window.endsAt <= time) {
        if (!window && windows.size >= maxKeys) windows.delete(windows.keys().next().value as string);
        window = { total: 0, endsAt: time + windowMs };
        windows.set(key, window);
      }
      window.total += amount;
      return { total: window.total, resetMs: window.endsAt - time };
    },
  };
}

const SCRIPT = `
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
if total == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {total, redis.call('PTTL', KEYS[1])}
`;

export function createRedisCounters(client: RedisClient, prefix: string): RateCounter {
  return {
    async hit(key, amount, windowMs) {
      const [total, ttl] = (await client.sendCommand(['EVAL', SCRIPT, '1', `${prefix}:rate:${key}`, String(amount), String(windowMs)])) as [number, number];
      return { total, resetMs: ttl > 0 ? ttl : windowMs };
    },
  };
}

/** While the shared store is down, count locally (rate limits fail open, like budgets in `open` mode). */
export function withLocalFallback(shared: RateCounter): RateCounter {
  const local = createMemoryCounters();
  return {
    hit: (key, amount, windowMs) => shared.hit(key, amount, windowMs).catch(() => local.hit(key, amount, windowMs)),
  };
}
