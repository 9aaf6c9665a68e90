import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryListSizeStore, createRedisListSizeStore, type ClientMaxima, type ListSizeStore } from '../../src/cost/list-size-store.js';
import { createRedisClient, whenReady } from '../../src/stores/redis.js';

const observed = (entries: Array<[string, number]>): ClientMaxima => new Map([['Query.reviews', new Map(entries)]]);
const options = { keepMs: 60_000, maxClients: 3 };

function behaves(make: () => Promise<ListSizeStore>) {
  it('keeps each client its longest answer: raised, never lowered', async () => {
    const store = await make();
    await store.record('s', 1, observed([['a', 2], ['b', 5]]), options);
    await store.record('s', 1, observed([['a', 4], ['b', 1]]), options);
    expect(Object.fromEntries((await store.read('s', [1])).get('Query.reviews')!)).toEqual({ a: 4, b: 5 });
  });

  it('keeps the largest maxima of at most maxClients clients, however many new ones arrive', async () => {
    const store = await make();
    await store.record('s', 1, observed([['a', 1], ['b', 2], ['c', 3]]), options);
    // Many small newcomers change nothing; a larger one takes the smallest's place.
    await store.record('s', 1, observed(Array.from({ length: 600 }, (_, i): [string, number] => [`x${i}`, 0])), options);
    await store.record('s', 1, observed([['e', 5]]), options);
    expect(Object.fromEntries((await store.read('s', [1])).get('Query.reviews')!)).toEqual({ b: 2, c: 3, e: 5 });
  });

  it('merges periods by each client’s maximum, and keeps scopes (supergraphs) apart', async () => {
    const store = await make();
    await store.record('s', 1, observed([['a', 2]]), options);
    await store.record('s', 2, observed([['a', 7], ['b', 1]]), options);
    await store.record('other', 2, observed([['z', 99]]), options);
    expect(Object.fromEntries((await store.read('s', [1, 2])).get('Query.reviews')!)).toEqual({ a: 7, b: 1 });
    expect((await store.read('s', [3])).size).toBe(0);
  });
}

describe('list sizes in memory', () => behaves(async () => createMemoryListSizeStore()));

describe.skipIf(!process.env.REDIS_URL)('list sizes in Redis', () => {
  const client = createRedisClient(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', pino({ level: 'silent' }));
  afterAll(() => client.close());
  behaves(async () => {
    await whenReady(client);
    return createRedisListSizeStore(client, `test-sizes-${randomUUID()}`);
  });
});
