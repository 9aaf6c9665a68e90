// `/admin/keys` over HTTP as an operator calls it, and what the gateway logs meanwhile. `reader` is
// another process's view of the same key file (as a replica's): it sees changes within a second.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/auth/authenticate.js';
import { createKeysAdminHandler } from '../../src/keys/admin-keys.js';
import { hashKey, type ApiKeyStore } from '../../src/keys/api-key.js';
import { ApiKeyStoreError } from '../../src/keys/store-errors.js';
import { createApiKeys } from '../../src/keys/manager.js';
import { createFileKeyStore } from '../../src/keys/store-file.js';
import { createLogger } from '../../src/observability/logger.js';
import { createPorticoServer, type PorticoServer } from '../../src/server/create-server.js';
import { eventually } from '../helpers/eventually.js';
import { gatewayConfig, token } from '../helpers/stack.js';

const STATIC_KEY = 'partner-legacy-key-0123456789abcdef';
const file = join(mkdtempSync(join(tmpdir(), 'portico-admin-keys-')), 'api-keys.json');
const lines: string[] = [];
const issued: string[] = [];

describe('/admin/keys', () => {
  let server: PorticoServer;
  let base: string;
  let admin: string;
  let reader: ReturnType<typeof createApiKeys>;

  async function call(method: string, path: string, body?: unknown, bearer: string | undefined = admin) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const json = (await response.json()) as any;
    if (typeof json?.key === 'string') issued.push(json.key);
    return { status: response.status, headers: response.headers, json };
  }

  beforeAll(async () => {
    const config = gatewayConfig(
      { users: 'http://127.0.0.1:1/graphql', todos: 'http://127.0.0.1:1/graphql' },
      {
        redisUrl: undefined,
        logging: { level: 'info' },
        cost: { budgets: { plans: { free: { capacity: 100, restoreRate: 5 }, pro: { capacity: 5000, restoreRate: 200 } } } },
        apiKeys: { file, adminScope: 'keys:admin', static: [{ id: 'partner', hash: hashKey(STATIC_KEY), plan: 'pro' }] },
      },
    );
    const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
    server = createPorticoServer(config, createLogger(config.logging, sink));
    base = (await server.start()).url.replace('/graphql', '');
    admin = await token('ops-alice', { scope: 'keys:admin' });
    reader = createApiKeys(createFileKeyStore(file), { plans: ['free', 'pro'] });
  });
  afterAll(() => server?.stop());

  it('refuses callers without a token (401) or without the admin scope (403)', async () => {
    const anonymous = await call('GET', '/admin/keys', undefined, '');
    expect(anonymous).toMatchObject({ status: 401, json: { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] } });
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    const user = await call('POST', '/admin/keys', { plan: 'pro' }, await token('bob', { scope: 'admin todos:write' }));
    expect(user).toMatchObject({ status: 403, json: { errors: [{ message: 'Managing API keys needs the "keys:admin" scope', extensions: { code: 'FORBIDDEN' } }] } });
    expect(await call('GET', '/admin/keys', undefined, 'not-a-jwt')).toMatchObject({ status: 401 });
  });

  it('POST /admin/keys issues a key (201), shown in that answer only; it verifies', async () => {
    const { status, headers, json } = await call('POST', '/admin/keys', { plan: 'pro', name: 'mobile app', expiresInSeconds: 3600 });
    expect(status).toBe(201);
    expect(json).toEqual({
      key: expect.stringMatching(/^pk_[\w-]{43}$/),
      id: expect.stringMatching(/^key_[0-9a-f]{16}$/),
      plan: 'pro',
      name: 'mobile app',
      state: 'active',
      createdAt: expect.any(String),
      expiresAt: new Date(Date.parse(json.createdAt) + 3600_000).toISOString(),
    });
    expect(headers.get('location')).toBe(`/admin/keys/${json.id}`);
    expect(headers.get('cache-control')).toBe('no-store');
    expect(await eventually(async () => (await reader.verify(json.key)).ok, 1000)).toBe(true);
    expect(await reader.verify(json.key)).toMatchObject({ ok: true, record: { id: json.id, plan: 'pro' } });
    const one = await call('GET', `/admin/keys/${json.id}`);
    expect(one).toMatchObject({ status: 200, json: { id: json.id, plan: 'pro', state: 'active' } });
    expect(one.json).not.toHaveProperty('key');
  });

  it('GET /admin/keys lists keys by id, with static ones, and never a key or a hash', async () => {
    const { json: made } = await call('POST', '/admin/keys', { plan: 'free' });
    const { status, json } = await call('GET', '/admin/keys');
    expect(status).toBe(200);
    expect(json.keys).toEqual(expect.arrayContaining([expect.objectContaining({ id: made.id, plan: 'free', state: 'active' }), { id: 'partner', plan: 'pro', state: 'active', createdAt: '1970-01-01T00:00:00.000Z', static: true }]));
    expect(JSON.stringify(json)).not.toMatch(/pk_|[0-9a-f]{64}/);
  });

  it('revokes a key: the answer and the list say so, and it no longer verifies', async () => {
    const { json: made } = await call('POST', '/admin/keys', { plan: 'free' });
    const revoked = await call('POST', `/admin/keys/${made.id}/revoke`);
    expect(revoked).toMatchObject({ status: 200, json: { id: made.id, state: 'revoked', revokedAt: expect.any(String) } });
    expect(await eventually(async () => JSON.stringify(await reader.verify(made.key)) === '{"ok":false,"reason":"revoked"}', 1000)).toBe(true);
    expect((await call('GET', '/admin/keys')).json.keys).toContainEqual(expect.objectContaining({ id: made.id, state: 'revoked' }));
    expect(await call('POST', `/admin/keys/${made.id}/rotate`, {})).toMatchObject({ status: 409, json: { errors: [{ extensions: { code: 'KEY_REVOKED' } }] } });
  });

  it('rotates a key: a new key in the answer, the old one valid for the grace given', async () => {
    const { json: made } = await call('POST', '/admin/keys', { plan: 'pro' });
    const { status, json } = await call('POST', `/admin/keys/${made.id}/rotate`, { graceSeconds: 120 });
    expect(status).toBe(200);
    expect(json).toMatchObject({ id: made.id, plan: 'pro', key: expect.stringMatching(/^pk_/), previousValidUntil: expect.any(String) });
    expect(json.key).not.toBe(made.key);
    expect(Date.parse(json.previousValidUntil) - Date.now()).toBeGreaterThan(100_000);
    expect(Date.parse(json.previousValidUntil) - Date.now()).toBeLessThanOrEqual(120_000);
    expect(await eventually(async () => (await reader.verify(json.key)).ok, 1000)).toBe(true);
    expect(await reader.verify(made.key)).toMatchObject({ ok: true, record: { id: made.id } });
  });

  it('answers bad requests with a status and a stable code', async () => {
    const code = (r: { json: any }) => r.json.errors?.[0]?.extensions?.code;
    const cases: Array<[Promise<{ status: number; json: any }>, number, string]> = [
      [call('POST', '/admin/keys', { plan: 'gold' }), 400, 'UNKNOWN_PLAN'],
      [call('POST', '/admin/keys', '{"plan":'), 400, 'BAD_REQUEST'],
      [call('POST', '/admin/keys'), 400, 'BAD_USER_INPUT'],
      [call('POST', '/admin/keys', { plan: 'pro', owner: 'x' }), 400, 'BAD_USER_INPUT'],
      [call('POST', '/admin/keys', { plan: 'pro', expiresInSeconds: -5 }), 400, 'BAD_USER_INPUT'],
      [call('POST', '/admin/keys', { plan: 'pro', name: '' }), 400, 'BAD_USER_INPUT'],
      [call('POST', '/admin/keys/key_0000000000000000/revoke'), 404, 'KEY_NOT_FOUND'],
      [call('GET', '/admin/keys/key_0000000000000000'), 404, 'KEY_NOT_FOUND'],
      [call('POST', '/admin/keys/partner/revoke'), 409, 'KEY_READ_ONLY'],
      [call('POST', '/admin/keys/partner/rotate', { graceSeconds: 'long' }), 400, 'BAD_USER_INPUT'],
      [call('DELETE', '/admin/keys'), 405, 'METHOD_NOT_ALLOWED'],
      [call('GET', '/admin/keys/partner/revoke'), 405, 'METHOD_NOT_ALLOWED'],
      [call('GET', '/admin/keys/a/b/c'), 404, 'NOT_FOUND'],
      [call('POST', '/admin/keys/%E0%A4%A/revoke'), 400, 'BAD_REQUEST'],
    ];
    const results = await Promise.all(cases.map(([p]) => p));
    expect(results.map((r) => [r.status, code(r)])).toEqual(cases.map(([, status, c]) => [status, c]));
    expect(results.find((r) => code(r) === 'UNKNOWN_PLAN')!.json.errors[0].message).toBe('Unknown plan "gold": one of default, free, pro');
  });

  it('logs key operations by key id and who did them, never a key', async () => {
    const { json: made } = await call('POST', '/admin/keys', { plan: 'free' });
    await call('POST', `/admin/keys/${made.id}/rotate`, { graceSeconds: 10 });
    await call('POST', `/admin/keys/${made.id}/revoke`);
    const log = lines.join('');
    expect(log).toContain(`"keyId":"${made.id}"`);
    expect(lines.filter((l) => l.includes(made.id)).map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ msg: 'api key created', keyId: made.id, plan: 'free', by: 'ops-alice' }),
      expect.objectContaining({ msg: 'api key rotated', keyId: made.id, by: 'ops-alice' }),
      expect.objectContaining({ msg: 'api key revoked', keyId: made.id, by: 'ops-alice' }),
    ]);
    expect(issued.length).toBeGreaterThan(5);
    for (const key of [...issued, STATIC_KEY]) expect(log).not.toContain(key);
    expect(log).not.toContain('pk_');
  });
});

describe('log redaction of API keys', () => {
  it('replaces an x-api-key header or an apiKey field, wherever a log line carries one', () => {
    const out: string[] = [];
    const sink = new Writable({ write: (chunk, _encoding, done) => (out.push(String(chunk)), done()) });
    const logger = createLogger({ level: 'info' }, sink);
    const key = 'pk_secretsecretsecretsecretsecretsecretsecre';
    logger.info({ req: { headers: { 'x-api-key': key } } }, 'request');
    logger.info({ headers: { 'x-api-key': key } }, 'outgoing');
    logger.info({ apiKey: key, client: { apiKey: key } }, 'client');
    expect(out).toHaveLength(3);
    expect(out.join('')).not.toContain(key);
    expect(out.join('').match(/\[redacted\]/g)).toHaveLength(4);
  });
});

describe('/admin/keys when the key store fails', () => {
  it('answers 503 SERVICE_UNAVAILABLE, and logs the store problem, not a stack', async () => {
    const failing: ApiKeyStore = {
      list: () => Promise.reject(new ApiKeyStoreError('API key store (Redis) unavailable: cannot list keys')),
      get: () => Promise.reject(new ApiKeyStoreError('down')),
      put: () => Promise.reject(new ApiKeyStoreError('down')),
      byHash: () => Promise.reject(new ApiKeyStoreError('down')),
    };
    const out: string[] = [];
    const logger = createLogger({ level: 'info' }, new Writable({ write: (chunk, _e, done) => (out.push(String(chunk)), done()) }));
    const authenticator = { authenticate: async () => ({ authenticated: true, sub: 'ops', scopes: ['admin'], claims: {} }) } as unknown as Authenticator;
    const handler = createKeysAdminHandler(createApiKeys(failing, { plans: [] }), authenticator, 'admin', logger);
    const http = createServer((req, res) => void handler(req, res, req.url!));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
      for (const [method, path, body] of [['GET', '/admin/keys'], ['POST', '/admin/keys', '{"plan":"default"}'], ['POST', '/admin/keys/key_1/revoke']]) {
        const response = await fetch(`${base}${path}`, { method, body, headers: { 'content-type': 'application/json' } });
        expect(response.status).toBe(503);
        expect(await response.json()).toEqual({ errors: [{ message: 'API key store unavailable', extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
      }
      expect(out.map((l) => JSON.parse(l).msg)).toEqual(['api key store unavailable', 'api key store unavailable', 'api key store unavailable']);
      expect(out.join('')).not.toContain('stack');
    } finally {
      await new Promise((resolve) => http.close(resolve));
    }
  });
});
