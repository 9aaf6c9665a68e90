import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryCounters, createRedisCounters, type RateCounter } from '../../src/cost/rate-counters.js';
import { createRedisClient } from '../../src/stores/redis.js';

const MINUTE = 60_000;
const one = (counters: RateCounter, key: string, amount: number, max: number, windowMs: number) => counters.take([{ key, amount, max, windowMs }]);

describe('sliding-window rate counters (memory, on a test clock)', () => {
  let now = 100 * MINUTE;
  const counters = createMemoryCounters({ now: () => now });
  const take = (key: string, amount = 1) => one(counters, key, amount, 10, MINUTE);

  it('admit no more than max in any window, even across a window boundary', async () => {
    now = 100 * MINUTE + 54_000; // the last 6 seconds of a fixed window
    for (let i = 0; i < 10; i++) expect((await take('straddle')).allowed).toBe(true);
    expect((await take('straddle')).allowed).toBe(false);
    // 12 s later, in the next fixed window: 90 % of the previous one still overlaps the last minute.
    now += 12_000;
    expect((await take('straddle')).allowed).toBe(true); // 10 × 0.9 + 0 + 1 = 10
    const refused = await take('straddle');
    expect(refused.allowed).toBe(false);
    // 10 × (1 - elapsed / 60 s) + 1 + 1 ≤ 10 from elapsed = 12 s: 6 s from now.
    expect(refused.retryAfterMs).toBe(6000);
    now += 5999;
    expect((await take('straddle')).allowed).toBe(false);
    now += 1;
    expect((await take('straddle')).allowed).toBe(true);
  });

  it('count nothing for a refused take, and keep clients apart', async () => {
    now = 200 * MINUTE;
    expect((await take('eager', 10)).allowed).toBe(true);
    for (let i = 0; i < 50; i++) expect((await take('eager')).allowed).toBe(false);
    expect((await take('patient', 10)).allowed).toBe(true);
    // Two windows on, nothing of the 50 refused calls is left.
    now += 2 * MINUTE;
    expect((await take('eager', 10)).allowed).toBe(true);
  });

  it('say how long until calls that cannot fit in this window will (the next one)', async () => {
    now = 300 * MINUTE + 30_000;
    expect((await take('half', 8)).allowed).toBe(true);
    const refused = await take('half', 4);
    // In the next window 8 × (1 - e / 60 s) + 4 ≤ 10 from e = 15 s: 30 s + 15 s from now.
    expect(refused).toEqual({ allowed: false, retryAfterMs: 45_000, refused: 0 });
    now += 44_999;
    expect((await take('half', 4)).allowed).toBe(false);
    now += 1;
    expect((await take('half', 4)).allowed).toBe(true);
  });

  it('count all of a request’s limits or none: one full limit refuses the others’ calls too', async () => {
    now = 400 * MINUTE;
    expect((await take('full', 10)).allowed).toBe(true);
    const both = [
      { key: 'roomy', amount: 5, max: 10, windowMs: MINUTE },
      { key: 'full', amount: 1, max: 10, windowMs: MINUTE },
    ];
    expect(await counters.take(both)).toMatchObject({ allowed: false, refused: 1 });
    expect((await take('roomy', 10)).allowed).toBe(true); // nothing was counted on it
  });
});

describe.runIf(process.env.REDIS_URL)('sliding-window rate counters in Redis (on its clock)', () => {
  const client = createRedisClient(process.env.REDIS_URL!, pino({ level: 'silent' }));
  const counters: RateCounter = createRedisCounters(client, `test-${randomUUID()}`);
  afterAll(() => client.close());
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('admit max per window, refuse the rest without counting them, and weigh the previous window', async () => {
    if (!client.isReady) await new Promise((resolve) => client.once('ready', resolve));
    const window = 2000;
    // Start early in a fixed window (Redis's clock is this machine's), fill it, then look again one
    // window later: most of the full window still overlaps, so few calls fit (a fixed window: all 10).
    await sleep(window - (Date.now() % window) + 100);
    const results = [];
    for (let i = 0; i < 12; i++) results.push(await one(counters, 'k', 1, 10, window));
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    const refused = results.at(-1)!;
    expect(refused.retryAfterMs).toBeGreaterThan(window);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(2 * window);
    // ~400 ms into the next window: 10 × 0.8 still counts, so 2 more fit.
    await sleep(window + 300);
    const later = [];
    for (let i = 0; i < 10; i++) later.push((await one(counters, 'k', 1, 10, window)).allowed);
    expect(later.filter(Boolean).length).toBeGreaterThan(0);
    expect(later.filter(Boolean).length).toBeLessThanOrEqual(3);
    // All or nothing across keys: 'k' is full, so 'other' is not counted either.
    const both = [
      { key: 'other', amount: 10, max: 10, windowMs: window },
      { key: 'k', amount: 1, max: 10, windowMs: window },
    ];
    expect(await counters.take(both)).toMatchObject({ allowed: false, refused: 1 });
    expect((await one(counters, 'other', 10, 10, window)).allowed).toBe(true);
    // What a later refusal gives back can be taken again.
    await counters.giveBack([{ key: 'other', amount: 4, max: 10, windowMs: window }]);
    expect((await one(counters, 'other', 4, 10, window)).allowed).toBe(true);
    expect((await one(counters, 'other', 1, 10, window)).allowed).toBe(false);
  });
});
