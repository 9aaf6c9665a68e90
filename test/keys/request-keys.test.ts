// API keys as credentials on the request path: issued keys are served on their plan, made-up, revoked
// and expired ones are refused with 401 INVALID_API_KEY and cost nobody anything, a key may be required,
// and a key never appears in a log line. Through the real gateway and subgraphs over HTTP.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPorticoServer } from '../../src/server/create-server.js';
import { eventually } from '../helpers/eventually.js';
import { gatewayConfig, graphql, issueKey, startGateway, startStack, token, type Stack } from '../helpers/stack.js';

const PLANS = { plans: { pro: { capacity: 500, restoreRate: 0.001 } }, capacity: 50, restoreRate: 0.001 };
// A user every caller can read (provisioned below): an object, 1 point, answered for keys too.
const ME = '{ user(id: "known") { id } }';

let stack: Stack;
const urls = () => ({ users: stack.users.url, todos: stack.todos.url });
beforeAll(async () => {
  stack = await startStack({ cost: { budgets: PLANS } });
  await graphql(stack.url, '{ me { id } }', { token: await token('known') });
});
afterAll(() => stack?.stop());

const issue = (url: string, plan = 'pro') => issueKey(url, plan);
const withKey = (key: string) => ({ headers: { 'x-api-key': key } });
const available = (body: { extensions?: Record<string, any> }) => body.extensions?.cost?.throttleStatus?.currentlyAvailable as number | undefined;

describe('API keys on the request path', () => {
  it('serves an issued key on its plan, as its own client', async () => {
    const { key } = await issue(stack.url);
    const { status, body } = await graphql(stack.url, ME, withKey(key));
    expect(status).toBe(200);
    // pro: capacity 500; `me` costs 1.
    expect(body.extensions?.cost.throttleStatus).toMatchObject({ maximumAvailable: 500, currentlyAvailable: 499 });
  });

  it('refuses made-up keys with 401 INVALID_API_KEY, before anything runs: no fresh budget per made-up key', async () => {
    const queries = stack.users.db.stats.queries;
    for (let i = 0; i < 30; i++) {
      const { status, body, headers } = await graphql(stack.url, ME, withKey(`pk_made-up-${i}`));
      expect(status).toBe(401);
      expect(body.errors?.[0].extensions?.code).toBe('INVALID_API_KEY');
      expect(JSON.stringify(body)).not.toContain(`made-up-${i}`);
      expect(headers.get('ratelimit-remaining')).toBeNull();
    }
    expect(stack.users.db.stats.queries).toBe(queries);
  });

  it('refuses a revoked key at once on the gateway that revoked it', async () => {
    const { key, id } = await issue(stack.url);
    expect((await graphql(stack.url, ME, withKey(key))).status).toBe(200);
    const revoked = await fetch(new URL(`/admin/keys/${id}/revoke`, stack.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${await token('ops', { scope: 'admin' })}` },
    });
    expect(revoked.status).toBe(200);
    const { status, body } = await graphql(stack.url, ME, withKey(key));
    expect(status).toBe(401);
    expect(body.errors?.[0]).toMatchObject({ message: 'The API key is revoked', extensions: { code: 'INVALID_API_KEY' } });
  });

  it('refuses a key that has expired', async () => {
    const { key } = await issueKey(stack.url, 'pro', { expiresInSeconds: 1 });
    expect((await graphql(stack.url, ME, withKey(key))).status).toBe(200);
    expect(await eventually(async () => (await graphql(stack.url, ME, withKey(key))).status === 401, 3000)).toBe(true);
  });

  it('keeps each key a budget of its own, by its id, whatever the caller’s address', async () => {
    const [a, b] = [await issue(stack.url), await issue(stack.url)];
    const heavy = `{ ${Array.from({ length: 20 }, (_, i) => `m${i}: user(id: "known") { id }`).join(' ')} }`;
    expect(available((await graphql(stack.url, heavy, withKey(a.key))).body)).toBe(480);
    expect(available((await graphql(stack.url, heavy, withKey(b.key))).body)).toBe(480);
    expect(available((await graphql(stack.url, heavy, withKey(a.key))).body)).toBe(460);
  });
});

describe('apiKeys.required', () => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    gateway = await startGateway(urls(), { apiKeys: { required: true }, cost: { budgets: PLANS } });
  });
  afterAll(() => gateway?.server.stop());

  it('refuses a request with neither a key nor a token (401), and serves one with either', async () => {
    const refused = await graphql(gateway.url, ME);
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await graphql(gateway.url, ME, { token: await token('keyless') })).status).toBe(200);
    const { key } = await issue(gateway.url);
    expect((await graphql(gateway.url, ME, withKey(key))).status).toBe(200);
    expect((await graphql(gateway.url, ME, withKey('pk_nonsense'))).status).toBe(401);
  });
});

describe('logs', () => {
  it('name the key by its id, never by the key', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _encoding, done) => void (lines.push(String(chunk)), done()) });
    const server = createPorticoServer(gatewayConfig(urls(), { logging: { level: 'debug' }, cost: { budgets: PLANS } }), pino({ level: 'debug' }, sink));
    const { url } = await server.start();
    try {
      const { key, id } = await issue(url);
      await graphql(url, ME, withKey(key));
      await graphql(url, ME, withKey(`${key}x`));
      await fetch(new URL(`/admin/keys/${id}/revoke`, url), { method: 'POST', headers: { authorization: `Bearer ${await token('ops', { scope: 'admin' })}` } });
      await graphql(url, ME, withKey(key));
      const text = lines.join('');
      expect(text).toContain(`key:${id}`);
      expect(text).not.toContain(key);
      expect(text).not.toContain(key.slice(3, 20));
    } finally {
      await server.stop();
    }
  });
});

// Two gateway processes on Redis refusing a key revoked on the other: test/keys/store-redis.test.ts.
