import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startTodosSubgraph } from '../../subgraphs/todos/index.js';
import type { RunningSubgraph } from '../../subgraphs/runtime/index.js';
import { signRequest, type Identity } from '../../src/identity/signed-identity.js';
import { connect } from '../subscriptions/ws-client.js';
import { admin, callSubgraph, codes, TEST_GATEWAY_KEYS, TEST_SECRET, user, type CallOptions } from './client.js';
import { testStorage } from './storage-fixture.js';

const storage = testStorage('todos', { inMemory: true });
let todos: RunningSubgraph;

beforeAll(async () => {
  todos = await startTodosSubgraph({ port: 0, gatewayKeys: TEST_GATEWAY_KEYS, storage: storage.options, logger: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await todos?.stop();
  await storage.cleanup();
});

const call = (query: string, options?: CallOptions) => callSubgraph(todos, query, options);

const ADD = 'mutation ($title: String!) { addTodo(input: { title: $title }) { id title completed createdAt owner { id } } }';
const UPDATE = 'mutation ($id: ID!, $input: UpdateTodoInput!) { updateTodo(id: $id, input: $input) { id title completed } }';
const DELETE = 'mutation ($id: ID!) { deleteTodo(id: $id) }';
const LIST = `query ($first: Int, $after: String, $completed: Boolean) {
  todos(first: $first, after: $after, completed: $completed) { nodes { id title completed owner { id } } pageInfo { endCursor hasNextPage } }
}`;
const GET = 'query ($id: ID!) { todo(id: $id) { id title } }';

async function addTodo(sub: string, title: string): Promise<string> {
  const { body } = await call(ADD, { identity: user(sub), variables: { title } });
  expect(body.errors).toBeUndefined();
  return body.data!.addTodo.id;
}

describe('todos subgraph', () => {
  it('adds a to-do owned by the caller, with a trimmed title and an ISO timestamp', async () => {
    const { body } = await call(ADD, { identity: user('alice'), variables: { title: '  buy milk  ' } });
    expect(body.data!.addTodo).toMatchObject({ title: 'buy milk', completed: false, owner: { id: 'alice' } });
    expect(body.data!.addTodo.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(body.data!.addTodo.createdAt).toISOString()).toBe(body.data!.addTodo.createdAt);
  });

  it.each([[''], ['   '], ['x'.repeat(201)]])('refuses the title %j with BAD_USER_INPUT and writes nothing', async (title) => {
    const before = await call(LIST, { identity: user('val') });
    const { body } = await call(ADD, { identity: user('val'), variables: { title } });
    expect(codes(body)).toEqual(['BAD_USER_INPUT']);
    const after = await call(LIST, { identity: user('val') });
    expect(after.body.data!.todos.nodes).toEqual(before.body.data!.todos.nodes);
  });

  it('accepts a title of exactly 200 characters', async () => {
    const { body } = await call(ADD, { identity: user('val'), variables: { title: 'é'.repeat(200) } });
    expect(body.errors).toBeUndefined();
  });

  it('refuses mutations and lists from an anonymous caller with UNAUTHENTICATED', async () => {
    const anonymous = { identity: { scopes: [] } };
    expect(codes((await call(ADD, { ...anonymous, variables: { title: 'x' } })).body)).toEqual(['UNAUTHENTICATED']);
    expect(codes((await call(LIST, anonymous)).body)).toEqual(['UNAUTHENTICATED']);
  });

  it("lists only the caller's to-dos, newest first; an admin sees everyone's", async () => {
    const first = await addTodo('bob', 'bob one');
    const second = await addTodo('bob', 'bob two');
    const carol = await addTodo('carol', 'carol one');
    const bobs = (await call(LIST, { identity: user('bob') })).body.data!.todos.nodes.map((t: { id: string }) => t.id);
    expect(bobs).toEqual([second, first]);
    const all = (await call(LIST, { identity: admin(), variables: { first: 100 } })).body.data!.todos.nodes.map(
      (t: { id: string }) => t.id,
    );
    expect(all).toEqual(expect.arrayContaining([first, second, carol]));
  });

  it("hides another user's to-do, an unknown id and a non-UUID id behind NOT_FOUND", async () => {
    const id = await addTodo('dave', 'secret');
    expect((await call(GET, { identity: user('dave'), variables: { id } })).body.data!.todo.title).toBe('secret');
    expect((await call(GET, { identity: admin(), variables: { id } })).body.data!.todo.id).toBe(id);
    for (const other of [id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      expect(codes((await call(GET, { identity: user('eve'), variables: { id: other } })).body)).toEqual(['NOT_FOUND']);
    }
  });

  it('updates a to-do for its owner and for an admin', async () => {
    const id = await addTodo('fay', 'draft');
    const owner = await call(UPDATE, { identity: user('fay'), variables: { id, input: { completed: true } } });
    expect(owner.body.data!.updateTodo).toEqual({ id, title: 'draft', completed: true });
    const byAdmin = await call(UPDATE, { identity: admin(), variables: { id, input: { title: ' final ' } } });
    expect(byAdmin.body.data!.updateTodo).toEqual({ id, title: 'final', completed: true });
  });

  it('refuses to update with FORBIDDEN, NOT_FOUND or BAD_USER_INPUT, leaving the to-do unchanged', async () => {
    const id = await addTodo('gus', 'keep me');
    const attempts: Array<[CallOptions, string]> = [
      [{ identity: user('mallory'), variables: { id, input: { completed: true } } }, 'FORBIDDEN'],
      [{ identity: user('gus'), variables: { id: '00000000-0000-4000-8000-000000000000', input: { completed: true } } }, 'NOT_FOUND'],
      [{ identity: user('gus'), variables: { id, input: {} } }, 'BAD_USER_INPUT'],
      [{ identity: user('gus'), variables: { id, input: { title: ' ', completed: true } } }, 'BAD_USER_INPUT'],
      [{ identity: user('gus'), variables: { id, input: { title: null } } }, 'BAD_USER_INPUT'],
    ];
    for (const [options, code] of attempts) expect(codes((await call(UPDATE, options)).body)).toEqual([code]);
    expect((await call(GET, { identity: user('gus'), variables: { id } })).body.data!.todo.title).toBe('keep me');
  });

  it('deletes a to-do for its owner only, returning its id', async () => {
    const id = await addTodo('hal', 'temporary');
    expect(codes((await call(DELETE, { identity: user('ivy'), variables: { id } })).body)).toEqual(['FORBIDDEN']);
    expect((await call(DELETE, { identity: user('hal'), variables: { id } })).body.data!.deleteTodo).toBe(id);
    expect(codes((await call(DELETE, { identity: user('hal'), variables: { id } })).body)).toEqual(['NOT_FOUND']);
    expect(codes((await call(GET, { identity: user('hal'), variables: { id } })).body)).toEqual(['NOT_FOUND']);
  });

  it('pages through to-dos with cursors and filters by completion', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await addTodo('pat', `task ${i}`));
    await call(UPDATE, { identity: user('pat'), variables: { id: ids[1], input: { completed: true } } });
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 3; page++) {
      const { body } = await call(LIST, { identity: user('pat'), variables: { first: 2, after } });
      const { nodes, pageInfo } = body.data!.todos;
      seen.push(...nodes.map((t: { id: string }) => t.id));
      expect(pageInfo.hasNextPage).toBe(page < 2);
      after = pageInfo.endCursor;
    }
    expect(seen).toEqual([...ids].reverse());
    const done = await call(LIST, { identity: user('pat'), variables: { completed: true } });
    expect(done.body.data!.todos.nodes.map((t: { id: string }) => t.id)).toEqual([ids[1]]);
  });

  it.each([
    [{ first: -1 }],
    [{ first: 101 }],
    [{ after: 'not a cursor' }],
    [{ after: Buffer.from('seq:abc').toString('base64url') }],
  ])('refuses page arguments %j with BAD_USER_INPUT', async (variables) => {
    expect(codes((await call(LIST, { identity: user('pat'), variables })).body)).toEqual(['BAD_USER_INPUT']);
  });

  describe('User.todos through entity references', () => {
    const ENTITIES = `query ($reps: [_Any!]!) { _entities(representations: $reps) {
      ... on User { id todos(first: 10) { nodes { title owner { id } } } } } }`;
    const reps = (...ids: string[]) => ids.map((id) => ({ __typename: 'User', id }));

    it("lists a user's own to-dos", async () => {
      await addTodo('quinn', 'quinn task');
      const { body } = await call(ENTITIES, { identity: user('quinn'), variables: { reps: reps('quinn') } });
      expect(body.data!._entities[0].todos.nodes).toEqual([{ title: 'quinn task', owner: { id: 'quinn' } }]);
    });

    it("refuses another user's to-dos with FORBIDDEN", async () => {
      const { body } = await call(ENTITIES, { identity: user('rob'), variables: { reps: reps('quinn') } });
      expect(codes(body)).toEqual(['FORBIDDEN']);
    });

    it("gives an admin each user's to-dos in one storage query", async () => {
      await addTodo('sam', 'sam task');
      await addTodo('tia', 'tia task');
      const before = todos.db.stats.queries;
      const { body } = await call(ENTITIES, { identity: admin(), variables: { reps: reps('sam', 'tia', 'nobody') } });
      expect(todos.db.stats.queries - before).toBe(1);
      expect(body.data!._entities.map((u: { todos: { nodes: unknown[] } }) => u.todos.nodes)).toEqual([
        [{ title: 'sam task', owner: { id: 'sam' } }],
        [{ title: 'tia task', owner: { id: 'tia' } }],
        [],
      ]);
    });
  });
});

/** connection_init's payload as the gateway sends it: the identity, signed single-use for this connection. */
const signedParams = (identity: Identity, secret = TEST_SECRET) => () =>
  signRequest({ identity, method: 'WS', audience: 'todos', path: '/graphql', body: '', singleUse: true }, secret);

const CHANGED = 'subscription { todoChanged { kind id todo { title owner { id } } } }';

describe('todos subgraph subscriptions (graphql-ws)', () => {
  it("a subscriber gets their own to-dos' changes, never another user's; an admin gets both", async () => {
    const alice = connect(todos.url, signedParams(user('sub-alice')));
    const boss = connect(todos.url, signedParams(admin('sub-boss')));
    const own = alice.subscribe(CHANGED);
    const all = boss.subscribe(CHANGED);
    await Promise.all([alice.acknowledged, boss.acknowledged]);
    // The subscribe message reaches the subgraph right after the ack; an event for bob, then one for alice.
    await expect.poll(async () => (await call(ADD, { identity: user('sub-bob'), variables: { title: 'bob 1' } }), all.received.length)).toBeGreaterThan(0);
    const { body } = await call(ADD, { identity: user('sub-alice'), variables: { title: 'alice 1' } });
    const id = body.data!.addTodo.id;
    expect(await own.next()).toEqual({ data: { todoChanged: { kind: 'ADDED', id, todo: { title: 'alice 1', owner: { id: 'sub-alice' } } } } });
    const adminSaw = [...all.received];
    while (!adminSaw.some((r) => r.data.todoChanged.id === id)) adminSaw.push(await all.next());
    expect(adminSaw.map((r) => r.data.todoChanged.todo.owner.id)).toContain('sub-bob');

    await call(DELETE, { identity: user('sub-alice'), variables: { id } });
    expect(await own.next()).toEqual({ data: { todoChanged: { kind: 'DELETED', id, todo: null } } });
    expect(own.received).toEqual([]);
    await Promise.all([alice.dispose(), boss.dispose()]);
  });

  it('refuses a connection without a valid signed identity (4401)', async () => {
    for (const params of [{}, signedParams(user('x'), 'another-secret-0123456789')]) {
      const stranger = connect(todos.url, params);
      stranger.subscribe(CHANGED);
      expect(await stranger.closed).toEqual({ code: 4401, reason: 'invalid or missing signed identity' });
    }
  });

  it('a signed connection_init payload opens one connection only (single-use)', async () => {
    const params = signedParams(user('sub-carol'))();
    const first = connect(todos.url, params);
    await first.acknowledged;
    const replay = connect(todos.url, params);
    expect((await replay.closed).code).toBe(4401);
    await first.dispose();
  });
});
