// The cache holds against a client who reads the docs: eviction finds what a mutation changed however
// its argument was written, Portico's own response keys are not the client's, and entity fetches get
// their hints. Through the real gateway over HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProductsGraph, type ProductsGraph } from '../fixtures/products-graph.js';
import { recordingProxy } from '../helpers/recording-proxy.js';
import { graphql, startGateway, startStack, token, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

const status = (r: { headers: Headers }) => r.headers.get('x-cache');
const TODO = 'query($id: ID!) { todo(id: $id) { id title completed } }';

async function cachedTodo(owner: string, title: string) {
  const bearer = await token(owner);
  const id = (await graphql(stack.url, 'mutation($t: String!) { addTodo(input: { title: $t }) { id } }', { token: bearer, variables: { t: title } })).body.data.addTodo.id as string;
  expect(status(await graphql(stack.url, TODO, { token: bearer, variables: { id } }))).toBe('MISS');
  expect(status(await graphql(stack.url, TODO, { token: bearer, variables: { id } }))).toBe('HIT');
  return { bearer, id };
}

describe('eviction finds what a mutation changed, however it was written', () => {
  type Mutation = { query: string; variables?: Record<string, unknown> };
  it.each<[string, (id: string) => Mutation]>([
    ['an upper-case UUID literal', (id: string) => ({ query: `mutation { deleteTodo(id: "${id.toUpperCase()}") }` })],
    ['an upper-case UUID in a variable', (id: string) => ({ query: 'mutation($id: ID!) { deleteTodo(id: $id) }', variables: { id: id.toUpperCase() } })],
    ['a variable default', (id: string) => ({ query: `mutation($id: ID! = "${id}") { deleteTodo(id: $id) }` })],
    ['an upper-case variable default', (id: string) => ({ query: `mutation($id: ID! = "${id.toUpperCase()}") { deleteTodo(id: $id) }` })],
    ['an alias', (id: string) => ({ query: `mutation { gone: deleteTodo(id: "${id}") }` })],
  ])('deleteTodo with %s: the deleted to-do is not served from the cache', async (_name, mutation) => {
    const { bearer, id } = await cachedTodo('evict-del', 'to delete');
    const { query, variables } = mutation(id);
    const deleted = await graphql(stack.url, query, { token: bearer, variables });
    expect(deleted.body.errors).toBeUndefined();
    const after = await graphql(stack.url, TODO, { token: bearer, variables: { id } });
    expect(status(after)).toBe('MISS');
    expect(after.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('updateTodo with an upper-case UUID: the next read is fresh, and so are lists filtered by the changed field', async () => {
    const { bearer, id } = await cachedTodo('evict-upd', 'to finish');
    const open = 'query { todos(completed: false) { nodes { id } } }';
    expect((await graphql(stack.url, open, { token: bearer })).body.data.todos.nodes).toEqual([{ id }]);
    expect(status(await graphql(stack.url, open, { token: bearer }))).toBe('HIT');
    await graphql(stack.url, `mutation { updateTodo(id: "${id.toUpperCase()}", input: { completed: true }) { title } }`, { token: bearer });
    const read = await graphql(stack.url, TODO, { token: bearer, variables: { id } });
    expect(status(read)).toBe('MISS');
    expect(read.body.data.todo.completed).toBe(true);
    expect((await graphql(stack.url, open, { token: bearer })).body.data.todos.nodes).toEqual([]);
  });

  it('the todos subgraph declares what it changed by its stored id, and the client never sees the declaration', async () => {
    const proxy = await recordingProxy(stack.todos.url);
    const gateway = await startGateway({ users: stack.users.url, todos: proxy.url }, { cache: { enabled: false } });
    try {
      const bearer = await token('evict-decl');
      const id = (await graphql(gateway.url, 'mutation { addTodo(input: { title: "declared" }) { id } }', { token: bearer })).body.data.addTodo.id as string;
      const answer = await graphql(gateway.url, `mutation { deleteTodo(id: "${id.toUpperCase()}") }`, { token: bearer });
      expect(answer.body.extensions?.invalidation).toBeUndefined();
      const declared = proxy.responses.map((r) => r.body?.extensions?.invalidation).filter(Boolean);
      // addTodo, then deleteTodo: each names the to-do by its id as stored (lower case), whatever the client wrote.
      expect(declared).toEqual([
        [{ kind: 'entity', subgraph: 'todos', type: 'Todo', key: { id } }],
        [{ kind: 'entity', subgraph: 'todos', type: 'Todo', key: { id } }],
      ]);
    } finally {
      await gateway.server.stop();
      await proxy.close();
    }
  });
});

describe("Portico's own response keys are not the client's", () => {
  it.each([
    ['an alias at the root', '{ portico__typename: me { id } }'],
    ['an alias for __typename', '{ me { portico__typename: __typename name } }'],
    ['an alias shaped like an entity key', '{ todos { nodes { id portico__k_id: title } } }'],
    ['an alias in a fragment', '{ me { ...F } } fragment F on User { portico__k_id: name }'],
    ['an alias in an inline fragment', '{ me { ... on User { portico__x: id } } }'],
    ['an alias in a mutation', 'mutation { addTodo(input: { title: "x" }) { portico__k_id: id } }'],
  ])('refuses %s with a validation error, before anything runs', async (_name, query) => {
    const bearer = await token('reserved-keys');
    const before = { todos: stack.todos.db.stats.queries, users: stack.users.db.stats.queries };
    const { status: http, body } = await graphql(stack.url, query, { token: bearer });
    expect(http).toBe(400);
    expect(body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(body.errors?.[0].message).toMatch(/reserved by the gateway/);
    expect({ todos: stack.todos.db.stats.queries, users: stack.users.db.stats.queries }).toEqual(before);
  });

  it("so no client can tag an answer with another user's to-do and evict it", async () => {
    const victim = await cachedTodo('reserved-victim', 'mine');
    // The attack: an answer whose "entity key" is the victim's id, then a mutation that evicts by it.
    const attacker = await token('reserved-attacker');
    const forged = await graphql(stack.url, `{ me { portico__typename: __typename portico__k_id: id } }`, { token: attacker });
    expect(forged.status).toBe(400);
    expect(status(await graphql(stack.url, TODO, { token: victim.bearer, variables: { id: victim.id } }))).toBe('HIT');
  });
});

describe('entity fetches get their hints', () => {
  it("answers the demo's first query, me { todos }, from the cache on repeat", async () => {
    const bearer = await token('hints-me', { name: 'Hinted' });
    await graphql(stack.url, 'mutation { addTodo(input: { title: "hinted" }) { id } }', { token: bearer });
    const query = '{ me { name todos { nodes { title } } } }';
    const miss = await graphql(stack.url, query, { token: bearer });
    expect(miss.body.data.me.todos.nodes).toEqual([{ title: 'hinted' }]);
    expect(status(miss)).toBe('MISS');
    // me: 10 s private; User.todos: 10 s private; the entity fetch of User adds no limit of its own.
    expect(miss.headers.get('cache-control')).toBe('max-age=10, private');
    const hit = await graphql(stack.url, query, { token: bearer });
    expect(status(hit)).toBe('HIT');
    expect(hit.body.data).toEqual(miss.body.data);
    // Private: another caller gets their own answer.
    const other = await graphql(stack.url, query, { token: await token('hints-other', { name: 'Other' }) });
    expect(other.body.data.me).toEqual({ name: 'Other', todos: { nodes: [] } });
  });

  describe('with configured default hints, on a graph whose subgraphs send none (products)', () => {
    let graph: ProductsGraph;
    let gateway: Awaited<ReturnType<typeof startGateway>>;
    beforeAll(async () => {
      graph = await startProductsGraph();
      gateway = await startGateway(graph.urls, {
        supergraph: { path: graph.supergraphPath },
        authorization: { policies: {} },
        cache: { defaultHints: { 'Query.books': { maxAge: 30 }, Book: { maxAge: 60 } } },
      });
    });
    afterAll(async () => {
      await gateway?.server.stop();
      await graph?.stop();
    });

    it("gives an entity fetch that selects only scalars its type's hint: the answer is cached", async () => {
      // books from products, then `_entities { ... on Book { inStock } }` from inventory.
      const query = '{ books { name inStock } }';
      const miss = await graphql(gateway.url, query);
      expect(miss.body.errors).toBeUndefined();
      expect(miss.headers.get('cache-control')).toBe('max-age=30, public');
      expect(status(await graphql(gateway.url, query))).toBe('HIT');
    });
  });
});
