import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, type ConfigInput } from '../../src/config/index.js';
import { hashKey } from '../../src/keys/api-key.js';
import { createFileKeyStore } from '../../src/keys/store-file.js';
import { ApiKeyStoreError } from '../../src/keys/store-errors.js';

const load = (overrides: ConfigInput, env: Record<string, string> = {}) => loadConfig({ env, file: '/dev/null', overrides });
const plans = { cost: { budgets: { plans: { pro: { capacity: 10, restoreRate: 1 } } } } };

describe('apiKeys config', () => {
  it('has defaults, and PORTICO_API_KEYS_FILE sets the file', () => {
    expect(load({}).apiKeys).toEqual({ file: 'data/api-keys.json', static: [], required: false, adminScope: 'admin', rotationGraceSeconds: 86_400 });
    expect(load({}, { PORTICO_API_KEYS_FILE: '/var/lib/portico/keys.json' }).apiKeys.file).toBe('/var/lib/portico/keys.json');
  });

  it('accepts static keys by hash on a defined plan or the default', () => {
    const config = load({ ...plans, apiKeys: { static: [{ id: 'partner', hash: hashKey('k1-0123456789'), plan: 'pro' }, { id: 'ci', hash: hashKey('k2-0123456789'), plan: 'default' }] } });
    expect(config.apiKeys.static.map((k) => k.id)).toEqual(['partner', 'ci']);
  });

  it('refuses a static key that holds a key instead of its hash, names an unknown plan, or repeats', () => {
    expect(() => load({ apiKeys: { static: [{ id: 'p', hash: 'pk_secret', plan: 'default' }] } })).toThrow('config: apiKeys.static.0.hash: the SHA-256 of the key, 64 hex characters (never the key itself)');
    expect(() => load({ apiKeys: { static: [{ id: 'p', hash: hashKey('a'), plan: 'gold' }] } })).toThrow('config: apiKeys.static.0.plan: names plan "gold", not defined in cost.budgets.plans');
    expect(() => load({ apiKeys: { static: [{ id: 'p', hash: hashKey('a'), plan: 'default' }, { id: 'p', hash: hashKey('b'), plan: 'default' }] } })).toThrow('apiKeys.static.1.id: p is listed twice');
    expect(() => load({ apiKeys: { static: [{ id: 'p', hash: hashKey('a'), plan: 'default' }, { id: 'q', hash: hashKey('a').toUpperCase(), plan: 'default' }] } })).toThrow('apiKeys.static.1.hash: the same hash is listed twice');
    expect(() => load({ apiKeys: { rotationGraceSeconds: -1 } })).toThrow('apiKeys.rotationGraceSeconds');
  });
});

describe('file key store', () => {
  const folder = mkdtempSync(join(tmpdir(), 'portico-key-file-'));

  it('reads a missing file as no keys, and creates it (and its folder) on the first write', async () => {
    const store = createFileKeyStore(join(folder, 'new', 'keys.json'));
    expect(await store.list()).toEqual([]);
    await store.put({ id: 'key_1', plan: 'default', hash: hashKey('x'), createdAt: new Date().toISOString(), state: 'active' });
    expect(await createFileKeyStore(join(folder, 'new', 'keys.json')).byHash(hashKey('x'))).toMatchObject({ id: 'key_1' });
  });

  it('loses no key when writers race: one store many times at once, and two stores (two processes) on one file', async () => {
    const path = join(folder, 'race', 'keys.json');
    const [one, two] = [createFileKeyStore(path), createFileKeyStore(path)];
    const record = (i: number) => ({ id: `key_${i}`, plan: 'default', hash: hashKey(`k${i}`), createdAt: new Date().toISOString(), state: 'active' as const });
    await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? one : two).put(record(i))));
    const ids = (await createFileKeyStore(path).list()).map((r) => r.id).sort();
    expect(ids).toEqual(Array.from({ length: 30 }, (_, i) => `key_${i}`).sort());
    expect(readdirSync(join(folder, 'race'))).toEqual(['keys.json']);
  });

  it('says which file is wrong, and how, when it is not a key file', async () => {
    const path = join(folder, 'broken.json');
    writeFileSync(path, '{"version": 1, "keys": [{"id": "k"}]}');
    await expect(createFileKeyStore(path).list()).rejects.toThrow(new ApiKeyStoreError(`the API key file ${path} is not a Portico key file (keys.0.plan: Invalid input: expected string, received undefined)`));
    writeFileSync(path, 'not json');
    await expect(createFileKeyStore(path).byHash(hashKey('x'))).rejects.toThrow(/^cannot read the API key file .*broken\.json: Unexpected token/);
  });
});
