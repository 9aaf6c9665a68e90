import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDENTITY_HEADER, SIGNATURE_HEADER } from '../../src/identity/signed-identity.js';
import { graphql, startStack, token, type Stack } from '../helpers/stack.js';

const ADD = /* GraphQL */ `
  mutation Add($title: String!) {
    addTodo(input: { title: $title }) { id title completed createdAt owner { id name } }
  }
`;
const UPDATE = /* GraphQL */ `
  mutation Update($id: ID!, $input: UpdateTodoInput!) { updateTodo(id: $id, input: $input) { id title completed } }
`;
const DELETE = /* GraphQL */ `mutation Delete($id: ID!) { deleteTodo(id: $id) }`;
const LIST = /* GraphQL */ `
  query List($first: Int, $after: String, $completed: Boolean) {
    todos(first: $first, after: $after, completed: $completed) {
      nodes { id title completed owner { id name } }
      pageInfo { endCursor hasNextPage }
    }
  }
`;

let stack: Stack;
let alice: string;
let bob: string;
let admin: string;

beforeAll(async () => {
  stack = await startStack();
  alice = await token('alice', { name: 'Alice Liddell', email: 'alice@example.com', scope: 'users:read:email' });
  bob = await token('bob', { name: 'Bob' });
  admin = await token('root', { name: 'Admin', scope: 'admin' });
});
afterAll(() => stack?.stop());

describe('a signed-in user through the gateway', () => {
  it('is provisioned on first use: me returns the name and email from the token', async () => {
    const { status, body } = await graphql(stack.url, '{ me { id name email } }', { token: alice });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ me: { id: 'alice', name: 'Alice Liddell', email: 'alice@example.com' } });
  });

  it('adds a to-do whose owner name is resolved by the users subgraph', async () => {
    const { body } = await graphql(stack.url, ADD, { token: alice, variables: { title: '  Buy milk  ' } });
    expect(body.errors).toBeUndefined();
    expect(body.data.addTodo).toMatchObject({ title: 'Buy milk', completed: false, owner: { id: 'alice', name: 'Alice Liddell' } });
    expect(new Date(body.data.addTodo.createdAt).toString()).not.toBe('Invalid Date');
  });

  it('lists, completes and deletes its own to-dos, page by page', async () => {
    for (const title of ['one', 'two', 'three']) await graphql(stack.url, ADD, { token: bob, variables: { title } });
    const first = await graphql(stack.url, LIST, { token: bob, variables: { first: 2 } });
    expect(first.body.data.todos.nodes).toHaveLength(2);
    expect(first.body.data.todos.pageInfo.hasNextPage).toBe(true);
    const rest = await graphql(stack.url, LIST, { token: bob, variables: { first: 2, after: first.body.data.todos.pageInfo.endCursor } });
    expect(rest.body.data.todos.pageInfo.hasNextPage).toBe(false);
    const all = [...first.body.data.todos.nodes, ...rest.body.data.todos.nodes];
    expect(all.map((t: { title: string }) => t.title).sort()).toEqual(['one', 'three', 'two']);
    expect(all.every((t: { owner: { name: string } }) => t.owner.name === 'Bob')).toBe(true);

    const target = all[0].id;
    const done = await graphql(stack.url, UPDATE, { token: bob, variables: { id: target, input: { completed: true } } });
    expect(done.body.data.updateTodo).toMatchObject({ id: target, completed: true });
    const completed = await graphql(stack.url, LIST, { token: bob, variables: { completed: true } });
    expect(completed.body.data.todos.nodes.map((t: { id: string }) => t.id)).toEqual([target]);

    const deleted = await graphql(stack.url, DELETE, { token: bob, variables: { id: target } });
    expect(deleted.body.data.deleteTodo).toBe(target);
    const gone = await graphql(stack.url, 'query($id: ID!) { todo(id: $id) { id } }', { token: bob, variables: { id: target } });
    expect(gone.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it("cannot change another user's to-do, but an admin can", async () => {
    const added = await graphql(stack.url, ADD, { token: alice, variables: { title: 'private' } });
    const id = added.body.data.addTodo.id;
    const refused = await graphql(stack.url, UPDATE, { token: bob, variables: { id, input: { title: 'hacked' } } });
    expect(refused.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const notDeleted = await graphql(stack.url, DELETE, { token: bob, variables: { id } });
    expect(notDeleted.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const still = await graphql(stack.url, 'query($id: ID!) { todo(id: $id) { title } }', { token: alice, variables: { id } });
    expect(still.body.data.todo.title).toBe('private');
    const byAdmin = await graphql(stack.url, UPDATE, { token: admin, variables: { id, input: { completed: true } } });
    expect(byAdmin.body.data.updateTodo.completed).toBe(true);
  });
});

describe('bad input gets a stable code and writes nothing', () => {
  it('refuses an empty or over-long title', async () => {
    const before = await graphql(stack.url, LIST, { token: alice, variables: { first: 100 } });
    for (const title of ['', '   ', 'x'.repeat(201)]) {
      const { status, body } = await graphql(stack.url, ADD, { token: alice, variables: { title } });
      expect(status).toBe(200);
      expect(body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
    const after = await graphql(stack.url, LIST, { token: alice, variables: { first: 100 } });
    expect(after.body.data.todos.nodes).toEqual(before.body.data.todos.nodes);
  });

  it('refuses a bad cursor, a page too large and an unknown id', async () => {
    const cursor = await graphql(stack.url, LIST, { token: alice, variables: { after: 'not-a-cursor' } });
    expect(cursor.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const large = await graphql(stack.url, LIST, { token: alice, variables: { first: 101 } });
    expect(large.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const unknown = await graphql(stack.url, UPDATE, {
      token: alice,
      variables: { id: '00000000-0000-4000-8000-000000000000', input: { completed: true } },
    });
    expect(unknown.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it('asks an anonymous caller to sign in before listing or adding to-dos', async () => {
    const list = await graphql(stack.url, LIST);
    expect(list.body.errors?.[0]).toMatchObject({ path: ['todos'], extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' } });
    const add = await graphql(stack.url, ADD, { variables: { title: 'anon' } });
    expect(add.body.errors?.[0]).toMatchObject({ path: ['addTodo'], extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' } });
    expect(add.body.data).toBeNull();
  });

  it('answers a bad token with 401 UNAUTHENTICATED before any subgraph is called', async () => {
    const before = stack.todos.db.stats.queries;
    const expired = await token('alice', { expiresIn: -3600 });
    for (const bad of [expired, `${alice.slice(0, -4)}AAAA`, 'not.a.jwt']) {
      const { status, body } = await graphql(stack.url, LIST, { token: bad });
      expect(status).toBe(401);
      expect(body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(JSON.stringify(body)).not.toContain(bad);
    }
    expect(stack.todos.db.stats.queries).toBe(before);
  });
});

describe('the subgraphs behind the gateway', () => {
  it('refuse a request that did not come through the gateway', async () => {
    const forged = Buffer.from(JSON.stringify({ sub: 'alice', scopes: ['admin'] })).toString('base64url');
    for (const headers of [{} as Record<string, string>, { [IDENTITY_HEADER]: forged, [SIGNATURE_HEADER]: `t=${Math.floor(Date.now() / 1000)},v1=AAAA` }]) {
      const response = await graphql(stack.todos.url, '{ todos { nodes { id title } } }', { headers });
      expect(response.status).toBe(401);
      expect(response.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(response.body.data).toBeUndefined();
    }
  });

  it('batch owner lookups: 50 to-dos with their owners cost one users query', async () => {
    const owners = await Promise.all(Array.from({ length: 10 }, (_, i) => token(`owner-${i}`, { name: `Owner ${i}` })));
    for (let i = 0; i < 50; i++) await graphql(stack.url, ADD, { token: owners[i % 10], variables: { title: `task ${i}` } });
    await graphql(stack.url, '{ me { id } }', { token: admin });
    const before = stack.users.db.stats.queries;
    const { body } = await graphql(stack.url, LIST, { token: admin, variables: { first: 50 } });
    expect(body.data.todos.nodes).toHaveLength(50);
    expect(new Set(body.data.todos.nodes.map((t: { owner: { name: string } }) => t.owner.name)).size).toBeGreaterThan(1);
    expect(stack.users.db.stats.queries - before).toBe(1);
  });

  it('keep the data across a restart of the todos subgraph', async () => {
    const { body } = await graphql(stack.url, ADD, { token: alice, variables: { title: 'survives restarts' } });
    const id = body.data.addTodo.id;
    await stack.restartTodos();
    const after = await graphql(stack.url, 'query($id: ID!) { todo(id: $id) { title owner { name } } }', { token: alice, variables: { id } });
    expect(after.body.data.todo).toEqual({ title: 'survives restarts', owner: { name: 'Alice Liddell' } });
  });
});

describe('the HTTP endpoint', () => {
  it('reports readiness once the supergraph is loaded', async () => {
    const base = stack.url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('serves queries over GET and refuses mutations over GET', async () => {
    const query = encodeURIComponent('{ me { id } }');
    const get = await fetch(`${stack.url}?query=${query}`, { headers: { authorization: `Bearer ${alice}`, 'apollo-require-preflight': 'true' } });
    expect(get.status).toBe(200);
    expect(((await get.json()) as { data: unknown }).data).toEqual({ me: { id: 'alice' } });
    const mutation = encodeURIComponent('mutation { deleteTodo(id: "x") }');
    const refused = await fetch(`${stack.url}?query=${mutation}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(refused.status).toBe(405);
  });

  it('shows Apollo Sandbox to a browser in development', async () => {
    const page = await fetch(stack.url.replace(/\/graphql$/, '/'), { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('sandbox');
  });

  it('refuses malformed JSON and a body over the limit with 4xx codes', async () => {
    const malformed = await fetch(stack.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('BAD_REQUEST');
    const huge = await fetch(stack.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ me { id } } # ${'x'.repeat(2 * 1024 * 1024)}` }) });
    expect(huge.status).toBe(413);
  });
});
