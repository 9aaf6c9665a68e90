import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashKey, parseDuration, type ApiKeyStore } from '../../src/keys/api-key.js';
import { ApiKeyError, createApiKeys } from '../../src/keys/manager.js';
import { createMemoryKeyStore } from '../../src/keys/store-memory.js';
import { withStaticKeys } from '../../src/keys/store-static.js';
import { ApiKeyStoreError } from '../../src/keys/store-errors.js';

function clock(start = Date.parse('2026-03-02T10:00:00Z')) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

function setup(store: ApiKeyStore = createMemoryKeyStore()) {
  const time = clock();
  const keys = createApiKeys(store, { plans: ['free', 'pro'], now: time.now, rotationGraceSeconds: 3600 });
  return { time, keys, store };
}

describe('API key manager (memory store)', () => {
  it('issues pk_ keys of 32 random bytes and keeps only their SHA-256', async () => {
    const { keys, store } = setup();
    const { key, record } = await keys.create({ plan: 'pro', name: 'mobile app', expiresInSeconds: 90 * 86_400 });
    expect(key).toMatch(/^pk_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(3), 'base64url')).toHaveLength(32);
    expect(record).toMatchObject({ plan: 'pro', name: 'mobile app', state: 'active', createdAt: '2026-03-02T10:00:00.000Z', expiresAt: '2026-05-31T10:00:00.000Z' });
    expect(record.id).toMatch(/^key_[0-9a-f]{16}$/);
    expect(record.hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(JSON.stringify(await store.list())).not.toContain(key);
    expect(keys.describe(record)).not.toHaveProperty('hash');
    const other = await keys.create({ plan: 'pro' });
    expect(other.key).not.toBe(key);
    expect(other.record.id).not.toBe(record.id);
  });

  it('verifies an issued key and refuses made-up ones', async () => {
    const { keys } = setup();
    const { key, record } = await keys.create({ plan: 'free' });
    expect(await keys.verify(key)).toEqual({ ok: true, record });
    expect(await keys.verify(`pk_${'A'.repeat(43)}`)).toEqual({ ok: false, reason: 'unknown' });
    expect(await keys.verify(`${key}x`)).toEqual({ ok: false, reason: 'unknown' });
    expect(await keys.verify('')).toEqual({ ok: false, reason: 'unknown' });
    expect(await keys.verify('x'.repeat(10_000))).toEqual({ ok: false, reason: 'unknown' });
  });

  it('refuses unknown plans, bad names and bad expiries at create time', async () => {
    const { keys } = setup();
    await expect(keys.create({ plan: 'gold' })).rejects.toMatchObject({ status: 400, code: 'UNKNOWN_PLAN' });
    await expect(keys.create({ plan: 'default' })).resolves.toMatchObject({ record: { plan: 'default' } });
    await expect(keys.create({ plan: 'pro', name: 'a\nb' })).rejects.toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
    await expect(keys.create({ plan: 'pro', expiresInSeconds: 0 })).rejects.toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
    await expect(keys.create({ plan: 'pro', expiresInSeconds: 1.5 })).rejects.toBeInstanceOf(ApiKeyError);
  });

  it('refuses a revoked key at once on the manager that revoked it', async () => {
    const { keys } = setup();
    const { key, record } = await keys.create({ plan: 'pro' });
    expect((await keys.verify(key)).ok).toBe(true);
    const revoked = await keys.revoke(record.id);
    expect(revoked).toMatchObject({ state: 'revoked', revokedAt: '2026-03-02T10:00:00.000Z' });
    expect(await keys.verify(key)).toEqual({ ok: false, reason: 'revoked' });
    expect(await keys.revoke(record.id)).toEqual(revoked);
    await expect(keys.revoke('key_0000000000000000')).rejects.toMatchObject({ status: 404, code: 'KEY_NOT_FOUND' });
    await expect(keys.rotate(record.id)).rejects.toMatchObject({ status: 409, code: 'KEY_REVOKED' });
  });

  it('sees a revocation made through another manager once its cache entry is older than 500 ms', async () => {
    const store = createMemoryKeyStore();
    const a = setup(store);
    const b = createApiKeys(store, { plans: ['pro'], now: a.time.now });
    const { key, record } = await a.keys.create({ plan: 'pro' });
    expect((await b.verify(key)).ok).toBe(true);
    await a.keys.revoke(record.id);
    a.time.advance(499);
    expect((await b.verify(key)).ok).toBe(true);
    a.time.advance(2);
    expect(await b.verify(key)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('refuses a key from the moment it expires', async () => {
    const { keys, time } = setup();
    const { key } = await keys.create({ plan: 'pro', expiresInSeconds: 60 });
    time.advance(59_999);
    expect((await keys.verify(key)).ok).toBe(true);
    time.advance(1);
    expect(await keys.verify(key)).toEqual({ ok: false, reason: 'expired' });
    expect(keys.describe((await keys.list())[0])).toMatchObject({ state: 'active', expired: true });
    await expect(keys.rotate((await keys.list())[0].id)).rejects.toMatchObject({ status: 409, code: 'KEY_EXPIRED' });
  });

  it('rotates: the new key works, the old one only for the grace period', async () => {
    const { keys, time } = setup();
    const { key: old, record } = await keys.create({ plan: 'pro' });
    expect((await keys.verify(old)).ok).toBe(true);
    const { key: fresh, record: rotated } = await keys.rotate(record.id, 600);
    expect(fresh).not.toBe(old);
    expect(rotated).toMatchObject({ id: record.id, plan: 'pro', previous: { hash: hashKey(old), validUntil: '2026-03-02T10:10:00.000Z' } });
    expect(keys.describe(rotated).previousValidUntil).toBe('2026-03-02T10:10:00.000Z');
    expect(await keys.verify(fresh)).toMatchObject({ ok: true, record: { id: record.id } });
    time.advance(599_999);
    expect((await keys.verify(old)).ok).toBe(true);
    time.advance(1);
    expect(await keys.verify(old)).toEqual({ ok: false, reason: 'expired' });
    expect((await keys.verify(fresh)).ok).toBe(true);
  });

  it('rotating twice ends the first secret at once; the default grace is rotationGraceSeconds', async () => {
    const { keys, time } = setup();
    const { key: first, record } = await keys.create({ plan: 'pro' });
    const { key: second } = await keys.rotate(record.id);
    const { key: third, record: last } = await keys.rotate(record.id);
    expect(last.previous?.validUntil).toBe(new Date(time.now() + 3600_000).toISOString());
    expect(await keys.verify(first)).toEqual({ ok: false, reason: 'unknown' });
    expect((await keys.verify(second)).ok).toBe(true);
    expect((await keys.verify(third)).ok).toBe(true);
    const { key: fourth } = await keys.rotate(record.id, 0);
    expect(await keys.verify(third)).toEqual({ ok: false, reason: 'unknown' });
    expect((await keys.verify(fourth)).ok).toBe(true);
  });

  it('accepts static keys from the config and refuses to change them', async () => {
    const staticKey = 'legacy-partner-key-0123456789';
    const { keys } = setup(withStaticKeys(createMemoryKeyStore(), [{ id: 'partner', hash: hashKey(staticKey), plan: 'pro', name: 'Partner' }]));
    expect(await keys.verify(staticKey)).toMatchObject({ ok: true, record: { id: 'partner', plan: 'pro' } });
    await expect(keys.revoke('partner')).rejects.toMatchObject({ status: 409, code: 'KEY_READ_ONLY' });
    await expect(keys.rotate('partner')).rejects.toMatchObject({ status: 409, code: 'KEY_READ_ONLY' });
    await keys.create({ plan: 'free' });
    expect((await keys.list()).map((r) => keys.describe(r))).toEqual([
      expect.objectContaining({ id: 'partner', static: true }),
      expect.not.objectContaining({ static: true }),
    ]);
  });

  it('answers a key it has seen from its last answer while the store fails, and throws for a new one', async () => {
    const store = createMemoryKeyStore();
    let failing = false;
    const flaky: ApiKeyStore = {
      ...store,
      byHash: async (hash) => {
        if (failing) throw new ApiKeyStoreError('down');
        return store.byHash(hash);
      },
    };
    const { keys, time } = setup(flaky);
    const { key } = await keys.create({ plan: 'pro' });
    expect((await keys.verify(key)).ok).toBe(true);
    failing = true;
    time.advance(10_000);
    expect((await keys.verify(key)).ok).toBe(true);
    await expect(keys.verify(`pk_${'B'.repeat(43)}`)).rejects.toBeInstanceOf(ApiKeyStoreError);
  });

  it('keeps made-up keys from filling its cache: a flood of them leaves real keys cached', async () => {
    const store = createMemoryKeyStore();
    let lookups = 0;
    const counting: ApiKeyStore = { ...store, byHash: (hash) => (lookups++, store.byHash(hash)) };
    const keys = createApiKeys(counting, { plans: [], negativeCacheSize: 10, cacheSize: 10, now: clock().now });
    const { key } = await keys.create({ plan: 'default' });
    await keys.verify(key);
    for (let i = 0; i < 100; i++) await keys.verify(`pk_made-up-${i}`);
    const before = lookups;
    expect((await keys.verify(key)).ok).toBe(true);
    expect(lookups).toBe(before);
  });

  it('parses durations for the CLI', () => {
    expect([parseDuration('90d'), parseDuration('24h'), parseDuration('30m'), parseDuration('3600'), parseDuration('2w')]).toEqual([7_776_000, 86_400, 1800, 3600, 1_209_600]);
    expect(parseDuration('1y')).toBeUndefined();
    expect(parseDuration('-1d')).toBeUndefined();
  });
});
