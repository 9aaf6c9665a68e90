// Keys in the real Redis, shared by replicas: what one revokes, the others refuse within a second.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKeys, type ApiKeys } from '../../src/keys/manager.js';
import { createRedisKeyStore } from '../../src/keys/store-redis.js';
import { createRedisClient, whenReady, type RedisClient } from '../../src/stores/redis.js';
import { eventually } from '../helpers/eventually.js';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { silentLogger, token } from '../helpers/stack.js';

const run = promisify(execFile);

describe.runIf(process.env.REDIS_URL)('API keys in Redis', () => {
  const prefix = `test-${randomUUID()}`;
  const clients: RedisClient[] = [];
  let a: ApiKeys;
  let b: ApiKeys;

  beforeAll(async () => {
    // Two replicas: each its own connection and its own cache.
    for (let i = 0; i < 2; i++) clients.push(createRedisClient(process.env.REDIS_URL!, silentLogger));
    await Promise.all(clients.map((c) => whenReady(c)));
    [a, b] = clients.map((c) => createApiKeys(createRedisKeyStore(c, prefix), { plans: ['pro'] }));
  });
  afterAll(async () => {
    await clients[0]?.sendCommand(['DEL', `${prefix}:apikeys`, `${prefix}:apikeys:byhash`]);
    await Promise.all(clients.map((c) => c.close()));
  });

  it('a key revoked through replica A is refused by replica B within a second', async () => {
    const { key, record } = await a.create({ plan: 'pro' });
    // B has verified (and cached) the key before it is revoked.
    expect(await b.verify(key)).toMatchObject({ ok: true, record: { id: record.id, plan: 'pro' } });
    await a.revoke(record.id);
    const revokedAt = Date.now();
    expect(await eventually(async () => (await b.verify(key)).ok === false, 1000)).toBe(true);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    expect(await b.verify(key)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('a key rotated on A: B accepts the new key at once and the old one for the grace period', async () => {
    const { key: old, record } = await a.create({ plan: 'pro' });
    expect((await b.verify(old)).ok).toBe(true);
    const { key: second } = await a.rotate(record.id, 60);
    expect(await b.verify(second)).toMatchObject({ ok: true, record: { id: record.id } });
    expect(await b.verify(old)).toMatchObject({ ok: true, record: { id: record.id } });
    const { key: third } = await a.rotate(record.id, 60);
    // The first secret is gone from the index: only the current and the previous hashes point at the key.
    const index = (await clients[0].sendCommand(['HGETALL', `${prefix}:apikeys:byhash`])) as string[];
    expect(index.filter((v, i) => i % 2 === 1 && v === record.id)).toHaveLength(2);
    expect(await eventually(async () => (await b.verify(old)).ok === false, 1000)).toBe(true);
    expect((await b.verify(second)).ok).toBe(true);
    expect((await b.verify(third)).ok).toBe(true);
  });

  it('keeps only hashes in Redis', async () => {
    const { key } = await a.create({ plan: 'pro', name: 'no secrets here' });
    const records = (await clients[0].sendCommand(['HGETALL', `${prefix}:apikeys`])) as string[];
    const index = (await clients[0].sendCommand(['HGETALL', `${prefix}:apikeys:byhash`])) as string[];
    expect(records.join(' ')).toContain('no secrets here');
    expect([...records, ...index].join(' ')).not.toContain(key);
    expect([...records, ...index].join(' ')).not.toContain(key.slice(3));
  });
});

describe.runIf(process.env.REDIS_URL)('two gateway processes and the CLI sharing keys in Redis', () => {
  const prefix = `test-${randomUUID()}`;
  const env = { REDIS_URL: process.env.REDIS_URL!, PORTICO_REDIS_PREFIX: prefix, LOG_LEVEL: 'silent' };
  const gateways: GatewayProcess[] = [];
  let admin: string;
  const adminUrl = (g: GatewayProcess, path = '') => g.url.replace('/graphql', `/admin/keys${path}`);
  const listed = async (g: GatewayProcess) =>
    ((await (await fetch(adminUrl(g), { headers: { authorization: `Bearer ${admin}` } })).json()) as { keys: Array<{ id: string; state: string }> }).keys;

  beforeAll(async () => {
    gateways.push(...(await Promise.all([spawnGateway({ ...env, LOG_LEVEL: 'info' }), spawnGateway({ ...env, LOG_LEVEL: 'info' })])));
    admin = await token('ops', { scope: 'admin' });
  }, 90_000);
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    const redis = createRedisClient(process.env.REDIS_URL!, silentLogger);
    await whenReady(redis);
    await redis.sendCommand(['DEL', `${prefix}:apikeys`, `${prefix}:apikeys:byhash`]);
    await redis.close();
  });

  it('a key created on one gateway is listed by the other; revoked on the other, the first lists it revoked', async () => {
    const [first, second] = gateways;
    const response = await fetch(adminUrl(first), {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ plan: 'default', name: 'shared' }),
    });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    expect(await listed(second)).toContainEqual(expect.objectContaining({ id, state: 'active' }));
    const revoked = await fetch(adminUrl(second, `/${id}/revoke`), { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    expect(revoked.status).toBe(200);
    expect(await listed(first)).toContainEqual(expect.objectContaining({ id, state: 'revoked' }));
  });

  it('a key revoked through one gateway is refused by the other within a second (GraphQL requests)', async () => {
    const [first, second] = gateways;
    const response = await fetch(adminUrl(first), {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ plan: 'default', name: 'revoked across replicas' }),
    });
    const { id, key } = (await response.json()) as { id: string; key: string };
    // `__typename` needs no subgraph: the request path up to the key check is what is tried.
    const ask = (g: GatewayProcess) =>
      fetch(g.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect((await ask(second)).status).toBe(200);
    await fetch(adminUrl(first, `/${id}/revoke`), { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    const revokedAt = Date.now();
    let answer = await ask(second);
    while (answer.status === 200 && Date.now() - revokedAt < 2000) answer = await ask(second);
    expect(answer.status).toBe(401);
    expect(((await answer.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0].extensions.code).toBe('INVALID_API_KEY');
    expect(Date.now() - revokedAt).toBeLessThan(1000);
  });

  it('portico keys create with REDIS_URL writes where the gateways read', async () => {
    const { REDIS_URL: _ignored, ...rest } = process.env;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/main.ts', 'keys', 'create', '--plan', 'default', '--json'], { env: { ...rest, ...env } });
    const made = JSON.parse(stdout) as { id: string; key: string };
    expect(made.key).toMatch(/^pk_/);
    expect(await listed(gateways[1])).toContainEqual(expect.objectContaining({ id: made.id, plan: 'default', state: 'active' }));
  });
});
