import type { RedisClient } from '../stores/redis.js';
import { redisScript } from '../stores/redis-script.js';

export interface RateDecision {
  allowed: boolean;
  /** When refused: how long until the same calls would be allowed, and the entry that waits longest. */
  retryAfterMs: number;
  refused?: number;
}

/** Calls to count against one limit. */
export interface RateTake {
  key: string;
  amount: number;
  max: number;
  windowMs: number;
}

/**
 * Sliding-window counters: `take` counts every entry's calls unless that would put more than its `max`
 * in its last `windowMs`; then it counts none of them (a refused request counts nothing, whichever of
 * its limits refused it). The window is estimated from two fixed windows (the current one's count
 * plus the previous one's, weighted by how much of it still overlaps), as Cloudflare's and nginx's
 * limiters do: a client cannot get 2 × max through by straddling a boundary.
 */
export interface RateCounter {
  take(entries: RateTake[]): Promise<RateDecision>;
  /** Gives back what an allowed `take` counted, for a request refused later (by its cost, say). */
  giveBack(entries: RateTake[]): Promise<void>;
}

interface WindowCounts {
  index: number;
  current: number;
  previous: number;
}

/** How long until `amount` more calls fit; mirrored by the Redis script below. */
function waitMs({ current, previous }: WindowCounts, elapsed: number, { amount, max, windowMs }: RateTake): number {
  if (amount > max) return windowMs; // never fits; the caller says so
  // Still in this window, as the previous window's weight fades; else in the next, as this one's does.
  if (current + amount <= max) return Math.ceil(windowMs - elapsed - (windowMs * (max - current - amount)) / previous);
  return Math.ceil(windowMs - elapsed + windowMs * (1 - (max - amount) / current));
}

export function createMemoryCounters({ now = Date.now, maxKeys = 100_000 } = {}): RateCounter {
  const counters = new Map<string, WindowCounts>();
  return {
    async take(entries) {
      const time = now();
      let retryAfterMs = 0;
      let refused: number | undefined;
      const counted = entries.map((entry, i) => {
        const index = Math.floor(time / entry.windowMs);
        const stored = counters.get(entry.key);
        const counts: WindowCounts =
          stored?.index === index ? stored : { index, current: 0, previous: stored?.index === index - 1 ? stored.current : 0 };
        const elapsed = time - index * entry.windowMs;
        if ((counts.previous * (entry.windowMs - elapsed)) / entry.windowMs + counts.current + entry.amount > entry.max) {
          const wait = waitMs(counts, elapsed, entry);
          if (wait > retryAfterMs) [retryAfterMs, refused] = [wait, i];
        }
        return { entry, counts, stored };
      });
      if (refused !== undefined) return { allowed: false, retryAfterMs, refused };
      for (const { entry, counts, stored } of counted) {
        counts.current += entry.amount;
        if (!stored && counters.size >= maxKeys) counters.delete(counters.keys().next().value as string);
        counters.set(entry.key, counts);
      }
      return { allowed: true, retryAfterMs: 0 };
    },
    async giveBack(entries) {
      // The calls went into the window `take` saw: still the stored current one, even if time moved on.
      for (const entry of entries) {
        const counts = counters.get(entry.key);
        if (counts) counts.current = Math.max(0, counts.current - entry.amount);
      }
    },
  };
}

// The same step, atomic in Redis and on Redis's clock (shared by every replica): KEYS[i] is counted
// with ARGV[3i-2..3i] = amount, max, window.
const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait, refused = 0, -1
local counts = {}
for i, key in ipairs(KEYS) do
  local amount = tonumber(ARGV[3 * i - 2])
  local max = tonumber(ARGV[3 * i - 1])
  local w = tonumber(ARGV[3 * i])
  local index = math.floor(now / w)
  local elapsed = now - index * w
  local state = redis.call('HMGET', key, 'index', 'current', 'previous')
  local stored = tonumber(state[1])
  local current, previous = 0, 0
  if stored == index then
    current = tonumber(state[2])
    previous = tonumber(state[3])
  elseif stored == index - 1 then
    previous = tonumber(state[2])
  end
  counts[i] = {index, current + amount, previous, w}
  if previous * (w - elapsed) / w + current + amount > max then
    local need
    if amount > max then need = w
    elseif current + amount <= max then need = math.ceil(w - elapsed - w * (max - current - amount) / previous)
    else need = math.ceil(w - elapsed + w * (1 - (max - amount) / current)) end
    if need > wait then wait, refused = need, i - 1 end
  end
end
if refused >= 0 then return {0, wait, refused} end
for i, key in ipairs(KEYS) do
  local c = counts[i]
  redis.call('HSET', key, 'index', c[1], 'current', c[2], 'previous', c[3])
  redis.call('PEXPIRE', key, 2 * c[4])
end
return {1, 0, -1}
`;

const GIVE_BACK = `
for i, key in ipairs(KEYS) do
  local current = tonumber(redis.call('HGET', key, 'current'))
  if current then redis.call('HSET', key, 'current', math.max(0, current - tonumber(ARGV[i]))) end
end
return 0
`;

export function createRedisCounters(client: RedisClient, prefix: string): RateCounter {
  const script = redisScript<[number, number, number]>(client, SCRIPT);
  const giveBack = redisScript<number>(client, GIVE_BACK);
  return {
    async giveBack(entries) {
      await giveBack(entries.map((entry) => `${prefix}:rate:${entry.key}`), entries.map((entry) => String(entry.amount)));
    },
    async take(entries) {
      const keys = entries.map((entry) => `${prefix}:rate:${entry.key}`);
      const args = entries.flatMap((entry) => [String(entry.amount), String(entry.max), String(entry.windowMs)]);
      const [allowed, retryAfterMs, refused] = await script(keys, args);
      return allowed === 1 ? { allowed: true, retryAfterMs: 0 } : { allowed: false, retryAfterMs, refused };
    },
  };
}

/** While the shared store is down, count locally (rate limits fail open, like budgets in `open` mode). */
export function withLocalFallback(shared: RateCounter): RateCounter {
  const local = createMemoryCounters();
  return {
    take: (entries) => shared.take(entries).catch(() => local.take(entries)),
    giveBack: (entries) => shared.giveBack(entries).catch(() => local.giveBack(entries)),
  };
}
