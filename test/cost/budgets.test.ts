import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { withFailover, BudgetStoreUnavailable } from '../../src/cost/budgets-failover.js';
import { createMemoryBudgets } from '../../src/cost/budgets-memory.js';
import { createRedisBudgets } from '../../src/cost/budgets-redis.js';
import { retryAfterSeconds, type BudgetStore } from '../../src/cost/budgets.js';
import { createRedisClient, whenReady } from '../../src/stores/redis.js';

const plan = { capacity: 100, restoreRate: 10 };
const silent = pino({ level: 'silent' });

describe('in-memory budgets', () => {
  it('takes up front, refuses beyond capacity, refills with time and refunds', async () => {
    let now = 0;
    const budgets = createMemoryBudgets({ now: () => now });
    expect(await budgets.take('a', 60, plan)).toEqual({ allowed: true, available: 40 });
    expect(await budgets.take('a', 50, plan)).toEqual({ allowed: false, available: 40 });
    // 50 needed, 40 available, 10 points per second: 1 second.
    expect(retryAfterSeconds(50, 40, plan)).toBe(1);
    now += 1000;
    expect(await budgets.take('a', 50, plan)).toEqual({ allowed: true, available: 0 });
    expect(await budgets.refund('a', 30, plan)).toBe(30);
    now += 60_000;
    expect(await budgets.take('a', 0, plan)).toEqual({ allowed: true, available: 100 });
    expect(await budgets.take('b', 100, plan)).toEqual({ allowed: true, available: 0 });
  });
});

describe('failover', () => {
  const down = () => Promise.reject(new Error('down'));
  const broken: BudgetStore = { take: down, refund: down, charge: down };
  it('keeps serving on a local limiter when open', async () => {
    const budgets = withFailover(broken, 'open', silent);
    expect((await budgets.take('a', 10, plan)).allowed).toBe(true);
  });
  it('refuses when closed', async () => {
    await expect(withFailover(broken, 'closed', silent).take('a', 10, plan)).rejects.toBeInstanceOf(BudgetStoreUnavailable);
  });
});

describe.runIf(process.env.REDIS_URL)('Redis budgets', () => {
  const client = createRedisClient(process.env.REDIS_URL!, silent);
  afterAll(() => client.close());

  it('enforces one budget across concurrent takers', async () => {
    const budgets = createRedisBudgets(client, `test-${randomUUID()}`);
    const key = `test:${randomUUID()}`;
    const slow = { capacity: 50, restoreRate: 0.001 };
    await whenReady(client);
    const results = await Promise.all(Array.from({ length: 40 }, () => budgets.take(key, 5, slow)));
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    expect(await budgets.refund(key, 20, slow)).toBeCloseTo(20, 0);
  });
});
