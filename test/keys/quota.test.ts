import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { periodOf, type Quota } from '../../src/keys/quota.js';
import { rateLimitHeaders } from '../../src/keys/quota-headers.js';
import { createMemoryQuotas } from '../../src/keys/quota-store-memory.js';
import { createRedisQuotas } from '../../src/keys/quota-store-redis.js';
import { usageRange } from '../../src/keys/usage.js';
import { createMemoryUsage } from '../../src/keys/usage-store-memory.js';
import { createRedisUsage } from '../../src/keys/usage-store-redis.js';
import { createRedisClient, whenReady, type RedisClient } from '../../src/stores/redis.js';
import { silentLogger } from '../helpers/stack.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const daily: Quota = { limit: 3, unit: 'requests', period: 'day' };

describe('quota periods (UTC)', () => {
  it('a day runs from midnight to midnight, a week from Monday, a month from its first day', () => {
    const tuesdayNoon = at('2026-12-01T12:00:00Z');
    expect(periodOf('day', tuesdayNoon)).toMatchObject({ start: at('2026-12-01T00:00:00Z'), end: at('2026-12-02T00:00:00Z') });
    expect(periodOf('week', tuesdayNoon)).toMatchObject({ start: at('2026-11-30T00:00:00Z'), end: at('2026-12-07T00:00:00Z') });
    // A Sunday belongs to the week that started the Monday before.
    expect(iso(periodOf('week', at('2026-12-06T23:59:59Z')).start)).toBe('2026-11-30T00:00:00.000Z');
    expect(iso(periodOf('week', at('2026-12-07T00:00:00Z')).start)).toBe('2026-12-07T00:00:00.000Z');
    expect(periodOf('month', tuesdayNoon)).toMatchObject({ start: at('2026-12-01T00:00:00Z'), end: at('2027-01-01T00:00:00Z') });
    expect(iso(periodOf('month', at('2028-02-29T10:00:00Z')).end)).toBe('2028-03-01T00:00:00.000Z');
  });
});

describe('the memory quota store', () => {
  it('takes nothing once the limit is reached, and starts again in the next period', async () => {
    const store = createMemoryQuotas();
    const noon = at('2026-12-01T12:00:00Z');
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await store.consume('sub:a', daily, 1, noon));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
    expect(results[3]).toEqual({ allowed: false, used: 3, limit: 3, resetsAt: '2026-12-02T00:00:00.000Z' });
    expect(await store.consume('sub:b', daily, 1, noon)).toMatchObject({ allowed: true, used: 1 });
    expect(await store.consume('sub:a', daily, 1, at('2026-12-02T00:00:00Z'))).toMatchObject({ allowed: true, used: 1, resetsAt: '2026-12-03T00:00:00.000Z' });
  });

  it('settles points in the period they were taken in, never below zero', async () => {
    const store = createMemoryQuotas();
    const points: Quota = { limit: 100, unit: 'points', period: 'month' };
    const lastMinute = at('2026-12-31T23:59:00Z');
    await store.consume('sub:a', points, 90, lastMinute);
    await store.settle('sub:a', points, -80, lastMinute); // the actual cost was 10
    expect(await store.consume('sub:a', points, 90, lastMinute)).toMatchObject({ allowed: true, used: 100 });
    await store.settle('sub:a', points, -500, lastMinute);
    expect(await store.consume('sub:a', points, 0, lastMinute)).toMatchObject({ used: 0 });
  });
});

describe('RateLimit headers', () => {
  it('say the burst, the points left (never negative) and the seconds until the bucket is full', () => {
    expect(rateLimitHeaders({ maximumAvailable: 1000, currentlyAvailable: 998, restoreRate: 50 })).toEqual({
      'ratelimit-limit': '1000',
      'ratelimit-remaining': '998',
      'ratelimit-reset': '1',
    });
    expect(rateLimitHeaders({ maximumAvailable: 30, currentlyAvailable: -12, restoreRate: 10 })).toEqual({
      'ratelimit-limit': '30',
      'ratelimit-remaining': '0',
      'ratelimit-reset': '5',
    });
    expect(rateLimitHeaders({ maximumAvailable: 30, currentlyAvailable: 30, restoreRate: 10 })?.['ratelimit-reset']).toBe('0');
    expect(rateLimitHeaders(undefined)).toBeUndefined();
  });
});

describe('usage ranges', () => {
  const now = at('2026-12-01T12:00:00Z');
  it('default to the last 30 days and refuse bad dates, reversed or too long ranges', () => {
    expect(usageRange(undefined, undefined, now)).toEqual({ from: '2026-11-02', to: '2026-12-01' });
    expect(usageRange('2026-11-30', '2026-12-01', now)).toEqual({ from: '2026-11-30', to: '2026-12-01' });
    expect(usageRange('2026-02-30', undefined, now)).toEqual({ error: '"from" must be a date, YYYY-MM-DD' });
    expect(usageRange(undefined, 'yesterday', now)).toEqual({ error: '"to" must be a date, YYYY-MM-DD' });
    expect(usageRange('2026-12-02', '2026-12-01', now)).toEqual({ error: '"from" is after "to"' });
    expect(usageRange('2024-01-01', '2026-12-01', now)).toEqual({ error: 'at most 366 days at once' });
  });

  it('are read back day by day from the memory store, days without use as zeros', async () => {
    const store = createMemoryUsage();
    await store.add('key:k1', '2026-11-30', { requests: 2, points: 7, throttled: 1, refused: 0 });
    await store.add('key:k1', '2026-11-30', { requests: 1, points: 3, throttled: 0, refused: 1 });
    expect(await store.read('key:k1', '2026-11-29', '2026-11-30')).toEqual([
      { date: '2026-11-29', requests: 0, points: 0, throttled: 0, refused: 0 },
      { date: '2026-11-30', requests: 3, points: 10, throttled: 1, refused: 1 },
    ]);
  });
});

describe.runIf(process.env.REDIS_URL)('the Redis quota and usage stores', () => {
  const prefix = `test-${randomUUID()}`;
  // Two replicas: each its own connection.
  let a: RedisClient;
  let b: RedisClient;
  beforeAll(async () => {
    a = createRedisClient(process.env.REDIS_URL!, silentLogger);
    b = createRedisClient(process.env.REDIS_URL!, silentLogger);
    await Promise.all([whenReady(a), whenReady(b)]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  // Real time here: Redis expires the counts by the real clock.
  it('allow exactly the limit under concurrency from two connections', async () => {
    const stores = [createRedisQuotas(a, prefix), createRedisQuotas(b, prefix)];
    const quota: Quota = { limit: 37, unit: 'requests', period: 'day' };
    const now = Date.now();
    const today = periodOf('day', now);
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => stores[i % 2].consume('key:busy', quota, 1, now)));
    expect(results.filter((r) => r.allowed)).toHaveLength(37);
    expect(Math.max(...results.map((r) => r.used))).toBe(37);
    expect(results.find((r) => !r.allowed)).toEqual({ allowed: false, used: 37, limit: 37, resetsAt: iso(today.end) });
    // The next day counts from zero; a day's count expires a day after the day ends.
    expect(await stores[0].consume('key:busy', quota, 1, today.end)).toMatchObject({ allowed: true, used: 1 });
    const ttl = await a.pTTL(`${prefix}:quota:requests:${today.id}:key:busy`);
    expect(ttl).toBeGreaterThan(today.end - Date.now());
    expect(ttl).toBeLessThanOrEqual(today.end + 86_400_000 - Date.now() + 1000); // Redis's clock, not quite ours
  });

  it('settle points and keep usage per day with an expiry', async () => {
    const quotas = createRedisQuotas(a, prefix);
    const points: Quota = { limit: 50, unit: 'points', period: 'week' };
    const now = Date.now();
    await quotas.consume('sub:p', points, 40, now);
    await quotas.settle('sub:p', points, -35, now);
    expect(await quotas.consume('sub:p', points, 45, now)).toMatchObject({ allowed: true, used: 50 });
    expect(await quotas.consume('sub:p', points, 1, now)).toMatchObject({ allowed: false, used: 50, resetsAt: iso(periodOf('week', now).end) });

    const usage = [createRedisUsage(a, prefix, 400), createRedisUsage(b, prefix, 400)];
    await Promise.all([
      usage[0].add('key:k', '2026-12-01', { requests: 1, points: 4, throttled: 0, refused: 0 }),
      usage[1].add('key:k', '2026-12-01', { requests: 1, points: 0, throttled: 1, refused: 0 }),
    ]);
    expect(await usage[0].read('key:k', '2026-11-30', '2026-12-01')).toEqual([
      { date: '2026-11-30', requests: 0, points: 0, throttled: 0, refused: 0 },
      { date: '2026-12-01', requests: 2, points: 4, throttled: 1, refused: 0 },
    ]);
    expect(await a.ttl(`${prefix}:usage:key:k:2026-12-01`)).toBeGreaterThan(399 * 86_400);
  });
});
