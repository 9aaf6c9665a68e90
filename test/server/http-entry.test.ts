// Portico's own HTTP entry (src/server/http-entry.ts) and Apollo Server's (through the plugin adapter)
// run the same pipeline. Every case sends the same request both ways: as is (Portico's entry takes
// it) and with an extension Portico's reader does not know (so it leaves the request to Apollo
// Server, which ignores it), and expects the same answer, missed and cached. Requests Apollo Server
// refuses are checked to reach it.
import { createHash } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/index.js';
import { createPorticoServer, type PorticoServer } from '../../src/server/create-server.js';
import { gatewayConfig, issueKey, startStack, token, type Stack } from '../helpers/stack.js';

let stack: Stack;
const gateways: PorticoServer[] = [];
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  for (const gateway of gateways) await gateway.stop();
  await stack?.stop();
});

/** A gateway on the stack's subgraphs whose request log lines are kept. */
async function gateway(overrides: ConfigInput = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const server = createPorticoServer(gatewayConfig({ users: stack.users.url, todos: stack.todos.url }, overrides), logger);
  gateways.push(server);
  const { url } = await server.start();
  return { url, lines };
}

interface Sent {
  status: number;
  headers: Record<string, string | null>;
  body: any;
  requestId: string;
}

async function post(url: string, body: Record<string, unknown>, bearer?: string, headers: Record<string, string> = {}): Promise<Sent> {
  return sent(
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...headers },
      body: JSON.stringify(body),
    }),
  );
}

/** A GET with the request in the query string (`variables` and `extensions` as JSON). */
async function get(url: string, params: Record<string, unknown>, headers: Record<string, string> = { 'apollo-require-preflight': 'true' }): Promise<Sent> {
  const search = new URLSearchParams(Object.entries(params).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]));
  return sent(await fetch(`${url}?${search}`, { headers }));
}

async function sent(response: Response): Promise<Sent> {
  const pick = ['content-type', 'cache-control', 'x-cache', 'retry-after'];
  return {
    status: response.status,
    headers: Object.fromEntries(pick.map((name) => [name, response.headers.get(name)])),
    body: await response.json(),
    requestId: response.headers.get('x-request-id')!,
  };
}

/** What may differ between two identical requests: the budget left and the entry's age. */
function comparable(sent: Sent) {
  const body = structuredClone(sent.body);
  if (body.extensions?.cost?.throttleStatus) delete body.extensions.cost.throttleStatus.currentlyAvailable;
  const headers = { ...sent.headers, 'cache-control': sent.headers['cache-control']?.replace(/max-age=\d+/, 'max-age=N') ?? null };
  return { status: sent.status, headers, body };
}

const laneOf = (lines: Array<Record<string, unknown>>, sent: Sent) => lines.find((line) => line.requestId === sent.requestId)?.entry;

/** Sends the request until it is cached, then through Portico's entry and through Apollo Server's. */
async function both(url: string, lines: Array<Record<string, unknown>>, body: Record<string, unknown>, bearer?: string) {
  const first = await post(url, body, bearer);
  const lane = await post(url, body, bearer);
  const apollo = await post(url, { ...body, extensions: { viaApollo: true } }, bearer);
  await new Promise((resolve) => setImmediate(resolve)); // the log line is written once the response has finished
  return { first, lane, apollo, laneUsed: laneOf(lines, lane), apolloUsed: laneOf(lines, apollo) };
}

const LIST = 'query List($n: Int) { todos(first: $n) { nodes { id title completed owner { name } } } }';

describe('Portico’s HTTP entry and Apollo Server’s', () => {
  it('serves a private hit exactly as Apollo Server’s pipeline does', async () => {
    const { url, lines } = await gateway();
    const ann = await token('lane-ann', { name: 'Ann' });
    await post(url, { query: 'mutation { addTodo(input: { title: "lane" }) { id } }' }, ann);
    const { first, lane, apollo, laneUsed, apolloUsed } = await both(url, lines, { query: LIST, variables: { n: 5 } }, ann);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(lane.headers['x-cache']).toBe('HIT');
    expect(laneUsed).toBe('http');
    expect(apolloUsed).toBe('apollo');
    expect(comparable(lane)).toEqual(comparable(apollo));
    expect(lane.body.data.todos.nodes.map((t: { title: string }) => t.title)).toEqual(['lane']);
    expect(lane.headers['cache-control']).toMatch(/^max-age=\d+, private$/);
    expect(lane.body.extensions.cost.requestedQueryCost).toBeGreaterThan(0);

    // Another caller never gets Ann's entry, from either path.
    const bo = await token('lane-bo');
    const other = await post(url, { query: LIST, variables: { n: 5 } }, bo);
    expect(other.headers['x-cache']).toBe('MISS');
    expect(other.body.data.todos.nodes).toEqual([]);
  });

  it('finishes an answer with fields this caller may not see, as the pipeline does', async () => {
    const { url, lines } = await gateway();
    await post(url, { query: '{ me { id } }' }, await token('lane-eve', { email: 'eve@example.com' }));
    const query = { query: '{ user(id: "lane-eve") { name email } }' };
    const { lane, apollo, laneUsed } = await both(url, lines, query);
    expect(laneUsed).toBe('http');
    expect(comparable(lane)).toEqual(comparable(apollo));
    expect(lane.body.data.user).toBeNull();
    expect(lane.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
    expect(lane.headers['cache-control']).toBe('no-store');

    // A public answer to anonymous callers is public, unless the caller sent an API key (its budget is in the answer).
    const { url: own } = await gateway();
    const open = { query: '{ user(id: "lane-eve") { name } }' };
    await post(own, open);
    expect((await post(own, open)).headers['cache-control']).toMatch(/^max-age=\d+, public$/);
    const { key } = await issueKey(own);
    expect((await post(own, open, undefined, { 'x-api-key': key })).headers['cache-control']).toMatch(/^max-age=\d+, private$/);

    // The admin's answer to the same document is complete, and is not the anonymous one.
    const admin = await both(url, lines, query, await token('lane-root', { scope: 'admin' }));
    expect(admin.lane.body.data.user).toEqual({ name: 'lane-eve', email: 'eve@example.com' });
    expect(comparable(admin.lane)).toEqual(comparable(admin.apollo));
    // A caller with credentials: no shared cache may keep this view of a public field for others.
    expect(admin.lane.headers['cache-control']).toMatch(/^max-age=\d+, private$/);
  });

  it('picks the named operation of a document with several', async () => {
    const { url, lines } = await gateway();
    await post(url, { query: '{ me { id } }' }, await token('lane-fay'));
    const document = 'query A { user(id: "lane-fay") { id } } query B { user(id: "lane-fay") { name } }';
    const a = await both(url, lines, { query: document, operationName: 'A' });
    const b = await both(url, lines, { query: document, operationName: 'B' });
    expect(a.laneUsed).toBe('http');
    expect(a.lane.body.data).toEqual({ user: { id: 'lane-fay' } });
    expect(b.lane.body.data).toEqual({ user: { name: 'lane-fay' } });
    expect(comparable(b.lane)).toEqual(comparable(b.apollo));
    const missing = await post(url, { query: document, operationName: 'C' });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].extensions.code).toBe('OPERATION_RESOLUTION_FAILURE');
  });

  it('throttles a cached answer like any other, with the same refusal', async () => {
    const { url, lines } = await gateway({ cost: { budgets: { enabled: true, capacity: 100, restoreRate: 0.001 } } });
    const gus = await token('lane-gus');
    const body = { query: LIST, variables: { n: 30 } };
    const sent: Sent[] = [];
    // Each answer costs what it held (refunded down from the estimate) until the estimate no longer fits.
    for (let i = 0; i < 300 && sent.at(-1)?.status !== 429; i++) sent.push(await post(url, body, gus));
    const throttledByLane = sent.at(-1)!;
    const throttledByApollo = await post(url, { ...body, extensions: {} }, gus);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent.some((s) => s.headers['x-cache'] === 'HIT')).toBe(true);
    expect(throttledByLane.status).toBe(429);
    expect(laneOf(lines, throttledByLane)).toBe('http');
    expect(throttledByLane.headers['retry-after']).toMatch(/^\d+$/);
    expect(comparable(throttledByLane)).toEqual({ ...comparable(throttledByApollo), headers: { ...comparable(throttledByApollo).headers, 'retry-after': throttledByLane.headers['retry-after'] } });
    expect(throttledByLane.body.errors[0].extensions.code).toBe('THROTTLED');
  });

  it('serves persisted queries asked by hash, by POST and by GET, as the pipeline does', async () => {
    const { url, lines } = await gateway();
    await post(url, { query: '{ me { id } }' }, await token('lane-pq')); // the user exists once seen
    const query = '{ user(id: "lane-pq") { name } }';
    const persistedQuery = { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') };
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    // Known as text and cached, but never registered: Apollo Server's answer, not found.
    await post(url, { query });
    const unregistered = await post(url, { extensions: { persistedQuery } });
    expect(unregistered.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    // Registering (query and hash) is Apollo Server's: it stores the query.
    const registered = await post(url, { query, extensions: { persistedQuery } });
    expect(registered.headers['x-cache']).toBe('HIT');

    // The lane leaves a request with an extension it does not know to Apollo Server.
    const byPost = await post(url, { extensions: { persistedQuery } });
    const byPostApollo = await post(url, { extensions: { persistedQuery, other: true } });
    const byGet = await get(url, { extensions: { persistedQuery } });
    const byGetApollo = await get(url, { extensions: { persistedQuery }, other: 'x' });
    await settle();
    expect(byPost.headers['x-cache']).toBe('HIT');
    expect(byPost.body.data).toEqual({ user: { name: 'lane-pq' } });
    expect(byPost.headers['cache-control']).toMatch(/public/);
    expect(comparable(byPost)).toEqual(comparable(byPostApollo));
    expect(comparable(byGet)).toEqual(comparable(byGetApollo));
    expect([laneOf(lines, byPost), laneOf(lines, byGet)]).toEqual(['http', 'http']);
    expect([laneOf(lines, byPostApollo), laneOf(lines, byGetApollo)]).toEqual(['apollo', 'apollo']);

    // A plain query over GET too; and a GET without a preflight header is Apollo Server's to refuse (CSRF).
    const plainGet = await get(url, { query });
    const unsafe = await get(url, { query }, {});
    await settle();
    expect(laneOf(lines, plainGet)).toBe('http');
    expect(comparable(plainGet)).toEqual(comparable(byGet));
    expect(unsafe.status).toBe(400);
    expect(laneOf(lines, unsafe)).toBeUndefined();

    const unknown = await post(url, { extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } });
    expect(unknown.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    // Apollo Server wants JSON objects for `variables` and `extensions` in a GET.
    const nullVariables = await get(url, { query, variables: 'null' });
    await settle();
    expect(nullVariables.status).toBe(400);
    expect(laneOf(lines, nullVariables)).toBeUndefined();
  });

  it('negotiates the content type as Apollo Server does (Apollo Client 4’s and urql’s Accept headers)', async () => {
    const { url, lines } = await gateway();
    const cy = await token('lane-cy');
    const body = { query: LIST, variables: { n: 2 } };
    await post(url, body, cy);
    const accepts = [
      'application/graphql-response+json,application/json;q=0.9',
      'application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed',
    ];
    for (const accept of accepts) {
      const lane = await post(url, body, cy, { accept });
      const apollo = await post(url, { ...body, extensions: { viaApollo: true } }, cy, { accept });
      await new Promise((resolve) => setImmediate(resolve));
      expect(laneOf(lines, lane)).toBe('http');
      expect(lane.headers['content-type']).toBe('application/graphql-response+json; charset=utf-8');
      expect(comparable(lane)).toEqual(comparable(apollo));
    }
    // Nothing GraphQL can answer with: Apollo Server's refusal.
    const html = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/html', authorization: `Bearer ${cy}` }, body: JSON.stringify(body) });
    expect(html.status).toBe(406);
  });

  it('leaves a hash to Apollo Server when its registration was refused (so never stored)', async () => {
    const { url, lines } = await gateway();
    const bo = await token('lane-bo');
    const persistedQuery = { version: 1, sha256Hash: createHash('sha256').update(LIST).digest('hex') };
    for (let i = 0; i < 2; i++) await post(url, { query: LIST, variables: { n: 5 } }, bo); // cached
    const refused = await post(url, { query: LIST, variables: { n: 100_000 }, extensions: { persistedQuery } }, bo);
    expect(refused.body.errors[0].extensions.code).toBe('COST_ESTIMATED_TOO_EXPENSIVE');
    const byHash = await post(url, { variables: { n: 5 }, extensions: { persistedQuery } }, bo);
    await new Promise((resolve) => setImmediate(resolve));
    expect(byHash.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(laneOf(lines, byHash)).toBeUndefined();
  });

  it('bypasses the cache the same way on both', async () => {
    const { url, lines } = await gateway({ cache: { bypass: 'everyone' } });
    const hal = await token('lane-hal');
    await post(url, { query: LIST, variables: { n: 1 } }, hal);
    const bypassed = await post(url, { query: LIST, variables: { n: 1 } }, hal, { 'cache-control': 'no-cache' });
    const viaApollo = await post(url, { query: LIST, variables: { n: 1 }, extensions: { viaApollo: true } }, hal, { 'cache-control': 'no-cache' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(bypassed.headers['x-cache']).toBe('BYPASS');
    expect(laneOf(lines, bypassed)).toBe('http');
    expect(comparable(bypassed)).toEqual(comparable(viaApollo));
  });

  it('answers a miss, a mutation and a subgraph error the same way on both', async () => {
    const { url, lines } = await gateway();
    const ivy = await token('lane-ivy');
    const add = (title: string, extensions?: object) => post(url, { query: `mutation { addTodo(input: { title: "${title}" }) { title completed } }`, ...(extensions ? { extensions } : {}) }, ivy);
    const [own, apollo] = [await add('same'), await add('same', { viaApollo: true })];
    expect(comparable(own)).toEqual(comparable(apollo));
    expect(own.body.data.addTodo).toEqual({ title: 'same', completed: false });
    // Each miss (a new variable each time) both ways.
    const misses = [await post(url, { query: LIST, variables: { n: 7 } }, ivy), await post(url, { query: LIST, variables: { n: 8 }, extensions: { viaApollo: true } }, ivy)];
    expect(misses.map((m) => m.headers['x-cache'])).toEqual(['MISS', 'MISS']);
    expect(comparable(misses[0]).body.data).toEqual(comparable(misses[1]).body.data);
    // Bad input from the client's variables: one error, the same code and status both ways.
    const bad = [await post(url, { query: LIST, variables: { n: 'many' } }, ivy), await post(url, { query: LIST, variables: { n: 'many' }, extensions: { viaApollo: true } }, ivy)];
    expect(bad[0].status).toBe(400);
    expect(comparable(bad[0])).toEqual(comparable(bad[1]));
    await new Promise((resolve) => setImmediate(resolve));
    expect([laneOf(lines, own), laneOf(lines, apollo), laneOf(lines, misses[0])]).toEqual(['http', 'apollo', 'http']);
  });
});

describe('variables the operation does not declare', () => {
  it('change nothing: not the cache key (no way around the cache), and deep junk is no 500', async () => {
    const { url } = await gateway();
    await post(url, { query: '{ me { id } }' }, await token('junk-jo')); // the user exists once seen
    const query = '{ user(id: "junk-jo") { name } }';
    await post(url, { query });
    const plain = await post(url, { query, variables: {} });
    const junk = await post(url, { query, variables: { junk: 1 } });
    const other = await post(url, { query, variables: { junk: 2, more: [1, 2] } });
    expect([plain, junk, other].map((s) => s.headers['x-cache'])).toEqual(['HIT', 'HIT', 'HIT']);
    // 20 000 levels of nesting in one undeclared variable: parsed, then ignored.
    const deep = `{"query":${JSON.stringify(query)},"variables":{"a":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}}`;
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: deep });
    expect(response.status).toBe(200);
    expect((await response.json()).data).toEqual({ user: { name: 'junk-jo' } });
  });
});
