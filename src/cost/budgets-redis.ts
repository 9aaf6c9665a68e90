import type { RedisClient } from '../stores/redis.js';
import { redisScript } from '../stores/redis-script.js';
import type { BudgetStore, Plan } from './budgets.js';

// One atomic step on a bucket: refill by the time elapsed (Redis's own clock, shared by every
// replica), then take ARGV[3] points if available (a negative amount is a refund, capped).
const SCRIPT = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local amount = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'points', 'at')
local points = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
points = math.min(capacity, points + math.max(0, now - at) / 1000 * rate)
local allowed = 0
if ARGV[4] == '1' then
  points = points - amount
  allowed = 1
elseif amount <= points then
  points = math.min(capacity, points - amount)
  allowed = 1
end
redis.call('HSET', KEYS[1], 'points', tostring(points), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 60000)
return {allowed, tostring(points)}
`;

/** Budgets in Redis, so that every gateway replica enforces one budget per client. */
export function createRedisBudgets(client: RedisClient, prefix: string): BudgetStore {
  const script = redisScript<[number, string]>(client, SCRIPT);
  const run = (key: string, plan: Plan, amount: number, force = false) =>
    script([`${prefix}:budget:${key}`], [String(plan.capacity), String(plan.restoreRate), String(amount), force ? '1' : '0']);

  return {
    async take(key, cost, plan) {
      const [allowed, points] = await run(key, plan, cost);
      return { allowed: allowed === 1, available: Number(points) };
    },
    async refund(key, points, plan) {
      const [, after] = await run(key, plan, -points);
      return Number(after);
    },
    async charge(key, points, plan) {
      const [, after] = await run(key, plan, points, true);
      return Number(after);
    },
  };
}
