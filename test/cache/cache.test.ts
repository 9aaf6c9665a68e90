import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingProxy } from '../helpers/recording-proxy.js';
import { graphql, startGateway, startStack, token, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

const LIST = '{ todos(first: 50) { nodes { id title completed owner { name } } } }';
const status = (r: { headers: Headers }) => r.headers.get('x-cache');
const titles = (r: { body: { data?: any } }) => r.body.data.todos.nodes.map((t: { title: string }) => t.title).sort();
const add = (bearer: string, title: string) =>
  graphql(stack.url, 'mutation($t: String!) { addTodo(input: { title: $t }) { id } }', { token: bearer, variables: { t: title } });

describe('response cache', () => {
  it('answers a repeated query from the cache, and the first read after an update is fresh', async () => {
    const ann = await token('cache-ann', { name: 'Ann' });
    const id = (await add(ann, 'water plants')).body.data.addTodo.id;
    const miss = await graphql(stack.url, LIST, { token: ann });
    expect(status(miss)).toBe('MISS');
    expect(miss.headers.get('cache-control')).toBe('max-age=10, private');

    const before = stack.todos.db.stats.queries;
    const hit = await graphql(stack.url, LIST, { token: ann });
    expect(status(hit)).toBe('HIT');
    expect(hit.body.data).toEqual(miss.body.data);
    expect(hit.headers.get('age')).toMatch(/^\d+$/);
    expect(hit.headers.get('cache-control')).toMatch(/^max-age=\d+, private$/);
    expect(stack.todos.db.stats.queries).toBe(before);

    await graphql(stack.url, 'mutation($id: ID!) { updateTodo(id: $id, input: { completed: true }) { id } }', { token: ann, variables: { id } });
    const fresh = await graphql(stack.url, LIST, { token: ann });
    expect(status(fresh)).toBe('MISS');
    expect(fresh.body.data.todos.nodes.find((t: { id: string }) => t.id === id).completed).toBe(true);
  });

  it('evicts lists a mutation adds to or deletes from', async () => {
    const bo = await token('cache-bo');
    // An empty list is cached too, and must not survive the first add.
    expect(titles(await graphql(stack.url, LIST, { token: bo }))).toEqual([]);
    expect(status(await graphql(stack.url, LIST, { token: bo }))).toBe('HIT');
    await add(bo, 'first');
    expect(titles(await graphql(stack.url, LIST, { token: bo }))).toEqual(['first']);
    expect(status(await graphql(stack.url, LIST, { token: bo }))).toBe('HIT');
    const second = (await add(bo, 'second')).body.data.addTodo.id;
    expect(titles(await graphql(stack.url, LIST, { token: bo }))).toEqual(['first', 'second']);
    await graphql(stack.url, 'mutation($id: ID!) { deleteTodo(id: $id) }', { token: bo, variables: { id: second } });
    expect(titles(await graphql(stack.url, LIST, { token: bo }))).toEqual(['first']);
  });

  it('never serves one user’s private list to another', async () => {
    const [cy, di] = await Promise.all([token('cache-cy'), token('cache-di')]);
    await add(cy, 'cy only');
    await add(di, 'di only');
    for (let round = 0; round < 2; round++) {
      expect(titles(await graphql(stack.url, LIST, { token: cy }))).toEqual(['cy only']);
      expect(titles(await graphql(stack.url, LIST, { token: di }))).toEqual(['di only']);
    }
  });

  it('keys public answers by what the caller may see: anonymous, user and admin, in either order', async () => {
    await graphql(stack.url, '{ me { id } }', { token: await token('cache-eve', { email: 'eve@example.com' }) });
    const query = '{ user(id: "cache-eve") { name email } }';
    const admin = await token('cache-root', { scope: 'admin' });
    const user = await token('cache-fay');
    for (const order of [['anonymous', 'admin', 'user'], ['admin', 'anonymous', 'user', 'admin']]) {
      for (const who of order) {
        const r = await graphql(stack.url, query, { token: who === 'admin' ? admin : who === 'user' ? user : undefined });
        if (who === 'admin') {
          expect(r.body.data).toEqual({ user: { name: 'cache-eve', email: 'eve@example.com' } });
        } else {
          expect(r.body.data.user).toBeNull();
          expect(r.body.errors?.[0].extensions?.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
        }
      }
    }
    // Served from the cache again and again, an answer is finished anew each time: one error, not one per hit.
    for (let i = 0; i < 3; i++) {
      const again = await graphql(stack.url, '{ u: user(id: "cache-eve") { name email } }');
      expect(again.body.errors).toHaveLength(1);
      expect(again.body.data).toEqual({ u: null });
    }
    const shared = '{ user(id: "cache-eve") { name } }';
    expect(status(await graphql(stack.url, shared))).toBe('MISS');
    expect(status(await graphql(stack.url, shared, { token: user }))).toBe('HIT');
  });

  it('refuses an expired token even when the answer is cached', async () => {
    const gus = await token('cache-gus');
    await graphql(stack.url, LIST, { token: gus });
    const expired = await token('cache-gus', { expiresIn: -120 });
    const r = await graphql(stack.url, LIST, { token: expired });
    expect(r.status).toBe(401);
    expect(r.body.data).toBeUndefined();
  });

  it('lets an authenticated caller bypass the cache with Cache-Control: no-cache', async () => {
    const hal = await token('cache-hal');
    await graphql(stack.url, LIST, { token: hal });
    const before = stack.todos.db.stats.queries;
    const r = await graphql(stack.url, LIST, { token: hal, headers: { 'cache-control': 'no-cache' } });
    expect(status(r)).toBe('BYPASS');
    expect(stack.todos.db.stats.queries).toBeGreaterThan(before);
  });

  it('coalesces concurrent identical misses into one subgraph fetch', async () => {
    const ivy = await token('cache-ivy');
    await add(ivy, 'one');
    const query = '{ todos(first: 7) { nodes { id } } }';
    const single = stack.todos.db.stats.queries;
    await graphql(stack.url, query, { token: ivy, headers: { 'cache-control': 'no-cache' } });
    const perFetch = stack.todos.db.stats.queries - single;
    const before = stack.todos.db.stats.queries;
    const answers = await Promise.all(Array.from({ length: 8 }, () => graphql(stack.url, query, { token: ivy })));
    expect(new Set(answers.map((a) => JSON.stringify(a.body.data))).size).toBe(1);
    expect(stack.todos.db.stats.queries - before).toBe(perFetch);
  });

  it('does not cache mutations or responses without a cache hint', async () => {
    const jo = await token('cache-jo');
    const r = await add(jo, 'x');
    expect(r.headers.get('x-cache')).toBeNull();
    // PageInfo alone still inherits the connection's hint; `__typename` alone has none.
    const plain = await graphql(stack.url, '{ __typename }', { token: jo });
    expect(status(plain)).toBe('MISS');
    expect(status(await graphql(stack.url, '{ __typename }', { token: jo }))).toBe('MISS');
  });

  it('lets an admin purge by type; others are refused', async () => {
    const kim = await token('cache-kim');
    await graphql(stack.url, LIST, { token: kim });
    expect(status(await graphql(stack.url, LIST, { token: kim }))).toBe('HIT');
    const purgeUrl = stack.url.replace(/\/graphql$/, '/admin/cache/purge');
    const post = (bearer: string, body: unknown) =>
      fetch(purgeUrl, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post(kim, { type: 'Todo' })).status).toBe(403);
    const purged = await post(await token('cache-admin', { scope: 'admin' }), { type: 'Todo' });
    expect(purged.status).toBe(200);
    expect(((await purged.json()) as { evicted: number }).evicted).toBeGreaterThan(0);
    expect(status(await graphql(stack.url, LIST, { token: kim }))).toBe('MISS');
  });

  it('serves automatic persisted queries, also over GET', async () => {
    const query = '{ user(id: "cache-eve") { name } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const extensions = encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash } }));
    const get = () => fetch(`${stack.url}?extensions=${extensions}`, { headers: { 'apollo-require-preflight': 'true' } });
    const unknown = (await (await get()).json()) as { errors: { extensions: { code: string } }[] };
    expect(unknown.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    await fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, extensions: { persistedQuery: { version: 1, sha256Hash } } }),
    });
    const known = await get();
    const body = (await known.json()) as { data: unknown; extensions?: { cost?: Record<string, unknown> } };
    expect(body.data).toEqual({ user: { name: 'cache-eve' } });
    expect(known.headers.get('cache-control')).toMatch(/public/);
    // A CDN may keep this answer for everyone: it carries the cost, not this IP's budget.
    expect(body.extensions?.cost?.requestedQueryCost).toBeGreaterThan(0);
    expect(body.extensions?.cost).not.toHaveProperty('throttleStatus');
    const private_ = await graphql(stack.url, query, { token: await token('cache-eve') });
    expect(private_.headers.get('cache-control')).toMatch(/private/);
    expect(private_.body.extensions?.cost.throttleStatus.currentlyAvailable).toBeGreaterThan(0);
  });
});

describe('queries whose answers come without cache hints', () => {
  let hinted = false;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    // The todos subgraph, with its Cache-Control removed until the test puts it back.
    proxy = await recordingProxy(stack.todos.url, {
      responseHeaders: (headers) => {
        if (!hinted) delete headers['cache-control'];
        return headers;
      },
    });
    gateway = await startGateway({ users: stack.users.url, todos: proxy.url });
  });
  afterAll(async () => {
    await gateway?.server.stop();
    await proxy?.close();
  });

  const ask = (bearer: string) => graphql(gateway.url, '{ todos(first: 5) { nodes { id title completed } } }', { token: bearer });
  const lastTodosCall = () => proxy.received.filter((r) => r.body.includes('todos')).at(-1)!.body;

  it('run without entity keys, and are cached (and evicted) again once hints come back', async () => {
    const gil = await token('cache-gil');
    const id = (await graphql(gateway.url, 'mutation { addTodo(input: { title: "hinted later" }) { id } }', { token: gil })).body.data.addTodo.id;
    for (let i = 0; i < 3; i++) expect((await ask(gil)).headers.get('x-cache')).toBe('MISS');
    expect(lastTodosCall()).toContain('portico__');
    await ask(gil);
    expect(lastTodosCall()).not.toContain('portico__');

    hinted = true;
    // Run without keys, its entities are unknown: not stored, and the next run has its keys again.
    expect((await ask(gil)).headers.get('x-cache')).toBe('MISS');
    expect((await ask(gil)).headers.get('x-cache')).toBe('MISS');
    expect(lastTodosCall()).toContain('portico__');
    expect((await ask(gil)).headers.get('x-cache')).toBe('HIT');

    await graphql(gateway.url, 'mutation($id: ID!) { updateTodo(id: $id, input: { completed: true }) { id } }', { token: gil, variables: { id } });
    const fresh = await ask(gil);
    expect(fresh.headers.get('x-cache')).toBe('MISS');
    expect(fresh.body.data.todos.nodes[0].completed).toBe(true);
  });
});

describe('answers with errors', () => {
  it('do not count as answers without hints: bad requests cannot keep a query from being cached', async () => {
    const hana = await token('cache-hana');
    const query = 'query Few($n: Int) { todos(first: $n) { nodes { id } } }';
    for (let i = 0; i < 4; i++) {
      const bad = await graphql(stack.url, query, { token: hana, variables: { n: 'many' } });
      expect(bad.status).toBe(400);
    }
    expect(status(await graphql(stack.url, query, { token: hana, variables: { n: 2 } }))).toBe('MISS');
    expect(status(await graphql(stack.url, query, { token: hana, variables: { n: 2 } }))).toBe('HIT');
  });
});
