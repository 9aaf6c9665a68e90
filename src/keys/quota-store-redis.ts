import type { RedisClient } from '../stores/redis.js';
import { redisScript } from '../stores/redis-script.js';
import { periodOf, quotaKey, type QuotaStore } from './quota.js';

// One atomic step on a period's count: add ARGV[1] if it fits under the limit ARGV[2] (or always, with
// ARGV[4] = '1': a settlement, never below zero), and keep the key until a day after the period ends.
const SCRIPT = `
local amount = tonumber(ARGV[1])
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if ARGV[4] ~= '1' and used + amount > tonumber(ARGV[2]) then
  return {0, tostring(used)}
end
used = math.max(0, used + amount)
redis.call('SET', KEYS[1], tostring(used), 'PXAT', ARGV[3])
return {1, tostring(used)}
`;

const GRACE = 86_400_000;

/** Quota counts in Redis, one key per client and period, so every replica counts one quota. */
export function createRedisQuotas(client: RedisClient, prefix: string): QuotaStore {
  const script = redisScript<[number, string]>(client, SCRIPT);
  const run = (key: string, amount: number, limit: number, end: number, force: boolean) =>
    script([`${prefix}:quota:${key}`], [String(amount), String(limit), String(end + GRACE), force ? '1' : '0']);
  return {
    async consume(clientKey, quota, amount, now) {
      const { end } = periodOf(quota.period, now);
      const [allowed, used] = await run(quotaKey(clientKey, quota, now), amount, quota.limit, end, false);
      return { allowed: allowed === 1, used: Number(used), limit: quota.limit, resetsAt: new Date(end).toISOString() };
    },
    async settle(clientKey, quota, delta, at) {
      await run(quotaKey(clientKey, quota, at), delta, quota.limit, periodOf(quota.period, at).end, true);
    },
  };
}
