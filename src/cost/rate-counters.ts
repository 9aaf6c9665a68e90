import type { RedisClient } from '../stores/redis.js';
import { redisScript } from '../stores/redis-script.js';

export interface RateDecision {
  allowed: boolean;
  /** When refused: how long until the same calls would be allowed. */
  retryAfterMs: number;
}

/**
 * Sliding-window counters: `take` counts `amount` calls unless that would put more than `max` in the
 * last `windowMs`; a refused take counts nothing. The window is estimated from two fixed windows (the
 * current one's count plus the previous one's, weighted by how much of it still overlaps), as
 * Cloudflare and nginx's limiters do: a client cannot get 2 × max through by straddling a boundary.
 */
export interface RateCounter {
  take(key: string, amount: number, max: number, windowMs: number): Promise<RateDecision>;
}

interface WindowCounts {
  index: number;
  current: number;
  previous: number;
}

/** How long until `amount` more calls fit; mirrored by the Redis script below. */
function waitMs({ current, previous }: WindowCounts, elapsed: number, amount: number, max: number, windowMs: number): number {
  if (amount > max) return windowMs; // never fits; the caller says so
  // Still in this window, as the previous window's weight fades; else in the next, as this one's does.
  if (current + amount <= max) return Math.ceil(windowMs - elapsed - (windowMs * (max - current - amount)) / previous);
  return Math.ceil(windowMs - elapsed + windowMs * (1 - (max - amount) / current));
}

export function createMemoryCounters({ now = Date.now, maxKeys = 100_000 } = {}): RateCounter {
  const counters = new Map<string, WindowCounts>();
  return {
    async take(key, amount, max, windowMs) {
      const time = now();
      const index = Math.floor(time / windowMs);
      const stored = counters.get(key);
      const counts: WindowCounts =
        stored?.index === index ? stored : { index, current: 0, previous: stored?.index === index - 1 ? stored.current : 0 };
      const elapsed = time - index * windowMs;
      if ((counts.previous * (windowMs - elapsed)) / windowMs + counts.current + amount > max) {
        return { allowed: false, retryAfterMs: waitMs(counts, elapsed, amount, max, windowMs) };
      }
      counts.current += amount;
      if (!stored && counters.size >= maxKeys) counters.delete(counters.keys().next().value as string);
      counters.set(key, counts);
      return { allowed: true, retryAfterMs: 0 };
    },
  };
}

// The same step, atomic in Redis and on Redis's clock (shared by every replica).
const SCRIPT = `
local amount = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local w = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local index = math.floor(now / w)
local elapsed = now - index * w
local state = redis.call('HMGET', KEYS[1], 'index', 'current', 'previous')
local stored = tonumber(state[1])
local current, previous = 0, 0
if stored == index then
  current = tonumber(state[2])
  previous = tonumber(state[3])
elseif stored == index - 1 then
  previous = tonumber(state[2])
end
if previous * (w - elapsed) / w + current + amount <= max then
  redis.call('HSET', KEYS[1], 'index', index, 'current', current + amount, 'previous', previous)
  redis.call('PEXPIRE', KEYS[1], 2 * w)
  return {1, 0}
end
if amount > max then return {0, w} end
if current + amount <= max then
  return {0, math.ceil(w - elapsed - w * (max - current - amount) / previous)}
end
return {0, math.ceil(w - elapsed + w * (1 - (max - amount) / current))}
`;

export function createRedisCounters(client: RedisClient, prefix: string): RateCounter {
  const script = redisScript<[number, number]>(client, SCRIPT);
  return {
    async take(key, amount, max, windowMs) {
      const [allowed, retryAfterMs] = await script([`${prefix}:rate:${key}`], [String(amount), String(max), String(windowMs)]);
      return { allowed: allowed === 1, retryAfterMs };
    },
  };
}

/** While the shared store is down, count locally (rate limits fail open, like budgets in `open` mode). */
export function withLocalFallback(shared: RateCounter): RateCounter {
  const local = createMemoryCounters();
  return {
    take: (key, amount, max, windowMs) => shared.take(key, amount, max, windowMs).catch(() => local.take(key, amount, max, windowMs)),
  };
}
