import { describe, expect, it } from 'vitest';
import { createMemoryCacheStore } from '../../src/cache/store-memory.js';

const entry = (n: number) => ({ result: { data: { n } }, storedAt: 0, maxAge: 60, scope: 'PUBLIC' as const });
const tagCount = (store: ReturnType<typeof createMemoryCacheStore>) => (store as unknown as { tagCount: number }).tagCount;

describe('the in-memory cache store', () => {
  it('keeps its tag index to the entries it holds', async () => {
    const store = createMemoryCacheStore({ maxEntries: 10 });
    for (let n = 0; n < 100; n++) await store.set(`k${n}`, entry(n), 60_000, [`e:Todo:${n}`, 'l:Todo']);
    // 90 entries were pushed out: their entity tags left with them.
    expect(tagCount(store)).toBe(11);
    expect(await store.get('k99')).toEqual(entry(99));

    // Replaced: the old tags go.
    await store.set('k99', entry(99), 60_000, ['e:User:1']);
    expect(await store.evict(['e:Todo:99'])).toBe(0);
    expect(await store.get('k99')).toBeDefined();

    // Evicted by one tag: the entries leave their other tags too.
    expect(await store.evict(['l:Todo'])).toBe(9);
    expect(tagCount(store)).toBe(1);
    expect(await store.evict(['e:User:1'])).toBe(1);
    expect(tagCount(store)).toBe(0);
  });
});
