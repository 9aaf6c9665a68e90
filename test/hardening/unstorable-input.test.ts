import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../subgraphs/runtime/index.js';
import { graphql, startStack, SUBGRAPH_SECRET, token, type Stack } from '../helpers/stack.js';
import { callSubgraph, codes, user, type CallOptions, type GraphQLBody } from '../subgraphs/client.js';

// Values GraphQL accepts but PostgreSQL cannot store or compare (PGlite by default, PostgreSQL with
// DATABASE_URL): each is one caller's bad input, answered HTTP 200 with BAD_USER_INPUT, and never
// counted as the subgraph failing.

const NUL = 'a\u0000b';
const LONE_SURROGATE = 'a\ud800b';
/** A cursor of ours whose number does not fit PostgreSQL's bigint. */
const OVERFLOW = encodeCursor('9999999999999999999');
/** A subject too long for the users' primary-key index (random, so the row cannot be compressed under the limit). */
const LONG_SUB = randomBytes(3000).toString('base64url');

let stack: Stack;
let alice: string;
let admin: string;
let aliceTodo: string;

/** A caller never seen before: its request reaches the subgraphs (provisioning, no cached answer). */
const freshCaller = () => token(`fresh-${randomBytes(6).toString('hex')}`, { name: 'Fresh' });

beforeAll(async () => {
  stack = await startStack();
  alice = await token('alice', { name: 'Alice' });
  admin = await token('root', { scope: 'admin' });
  const added = await graphql(stack.url, 'mutation { addTodo(input: { title: "mine" }) { id } }', { token: alice });
  aliceTodo = added.body.data.addTodo.id;
});
afterAll(() => stack?.stop());

/** HTTP 200 with errors, every one BAD_USER_INPUT. */
function expectBadInput(result: { status: number; body: GraphQLBody<unknown> }) {
  expect({ status: result.status, codes: [...new Set(codes(result.body))] }).toEqual({ status: 200, codes: ['BAD_USER_INPUT'] });
}

describe('token claims the users subgraph cannot store', () => {
  const claims: Array<[string, () => Promise<string>]> = [
    ['a NUL in name', () => token('nul-name', { name: NUL })],
    ['a NUL in email', () => token('nul-email', { email: NUL })],
    ['a NUL in sub', () => token(NUL)],
    ['an unpaired surrogate in name', () => token('surrogate-name', { name: LONE_SURROGATE })],
    ['a sub longer than 255 characters', () => token(LONG_SUB)],
  ];
  for (const [what, make] of claims) {
    it(`${what}: HTTP 200 and BAD_USER_INPUT naming the claim, not a failed subgraph`, async () => {
      const result = await graphql(stack.url, '{ me { id name } }', { token: await make() });
      expectBadInput(result);
      expect(result.body.errors?.[0]).toMatchObject({ extensions: { serviceName: 'users' } });
      expect(result.body.errors?.[0].message).toMatch(/token's `(name|email|sub)` claim/);
      expect(result.body.data).toEqual({ me: null });
    });
  }

  it("ten such requests in a row do not open the users subgraph's circuit: other callers are served", async () => {
    const bad = await token('nul-name', { name: NUL });
    for (let i = 0; i < 10; i++) {
      // Every subgraph refuses claims it could not store (any of them may store them).
      expectBadInput(await graphql(stack.url, '{ me { id name } todos { nodes { id } } }', { token: bad }));
    }
    const { status, body } = await graphql(stack.url, '{ me { name } todos { nodes { id } } }', { token: await freshCaller() });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ me: { name: 'Fresh' }, todos: { nodes: [] } });
  });
});

describe('arguments through the gateway', () => {
  const cases: Array<[string, string, () => Record<string, unknown>, () => string]> = [
    ['a cursor overflowing bigint (todos)', 'query($a: String) { todos(after: $a) { nodes { id } } }', () => ({ a: OVERFLOW }), () => alice],
    ['a cursor overflowing bigint (users)', 'query($a: String) { users(after: $a) { nodes { id } } }', () => ({ a: OVERFLOW }), () => admin],
    ['a cursor overflowing bigint (User.todos)', 'query($a: String) { me { todos(after: $a) { nodes { id } } } }', () => ({ a: OVERFLOW }), () => alice],
    ['a NUL in a user id', 'query($id: ID!) { user(id: $id) { id name } }', () => ({ id: NUL }), () => alice],
    ['a NUL in a to-do id', 'query($id: ID!) { todo(id: $id) { id } }', () => ({ id: NUL }), () => alice],
    ['a NUL in a title', 'mutation($t: String!) { addTodo(input: { title: $t }) { id } }', () => ({ t: NUL }), () => alice],
    ['an unpaired surrogate in a title', 'mutation($t: String!) { addTodo(input: { title: $t }) { id } }', () => ({ t: LONE_SURROGATE }), () => alice],
    ['a NUL in a new title', 'mutation($id: ID!, $t: String) { updateTodo(id: $id, input: { title: $t }) { id } }', () => ({ id: aliceTodo, t: NUL }), () => alice],
    ['a NUL in the id of a deletion', 'mutation($id: ID!) { deleteTodo(id: $id) }', () => ({ id: NUL }), () => alice],
  ];
  for (const [what, query, variables, caller] of cases) {
    it(`${what}: HTTP 200 and BAD_USER_INPUT`, async () => {
      expectBadInput(await graphql(stack.url, query, { token: caller(), variables: variables() }));
    });
  }

  it('stores nothing and changes nothing on the way', async () => {
    const { body } = await graphql(stack.url, '{ todos { nodes { id title } } }', { token: alice });
    expect(body.data.todos.nodes).toEqual([{ id: aliceTodo, title: 'mine' }]);
  });

  it('still serves the largest cursor bigint holds, and a malformed UUID is NOT_FOUND as before', async () => {
    const max = await graphql(stack.url, 'query($a: String) { todos(after: $a) { nodes { id } } }', { token: alice, variables: { a: encodeCursor('9223372036854775807') } });
    expect(max.body.errors).toBeUndefined();
    expect(max.body.data.todos.nodes).toEqual([{ id: aliceTodo }]);
    const malformed = await graphql(stack.url, 'query($id: ID!) { todo(id: $id) { id } }', { token: alice, variables: { id: 'not-a-uuid' } });
    expect(codes(malformed.body)).toEqual(['NOT_FOUND']);
  });
});

describe('each subgraph called directly', () => {
  const call = (subgraph: () => { name: string; url: string }, query: string, options: Omit<CallOptions, 'secret'> = {}) =>
    callSubgraph(subgraph(), query, { secret: SUBGRAPH_SECRET, ...options });
  const users = () => stack.users;
  const todos = () => stack.todos;
  const entities = (fragment: string) => `query($r: [_Any!]!) { _entities(representations: $r) { ${fragment} } }`;

  const cases: Array<[string, () => { name: string; url: string }, string, Omit<CallOptions, 'secret'>]> = [
    ['users: an identity with a NUL in name', users, '{ me { id } }', { identity: user('nul-name', { name: NUL }) }],
    ['users: an identity with a too long sub', users, '{ me { id } }', { identity: user(LONG_SUB) }],
    ['users: a NUL in user(id:)', users, 'query($id: ID!) { user(id: $id) { id } }', { identity: user('alice'), variables: { id: NUL } }],
    ['users: an overflowing cursor', users, 'query($a: String) { users(after: $a) { nodes { id } } }', { identity: user('root', { scopes: ['admin'] }), variables: { a: OVERFLOW } }],
    ['users: a NUL in a User representation', users, entities('... on User { id name }'), { identity: user('alice'), variables: { r: [{ __typename: 'User', id: '\u0000' }] } }],
    ['users: a User representation without its id', users, entities('... on User { id name }'), { identity: user('alice'), variables: { r: [{ __typename: 'User' }] } }],
    ['users: a User representation whose id is an object', users, entities('... on User { id name }'), { identity: user('alice'), variables: { r: [{ __typename: 'User', id: { a: 1 } }] } }],
    ['todos: an identity with a NUL in sub', todos, '{ todos { nodes { id } } }', { identity: user(NUL) }],
    ['todos: an overflowing cursor', todos, 'query($a: String) { todos(after: $a) { nodes { id } } }', { identity: user('alice'), variables: { a: OVERFLOW } }],
    ['todos: a NUL in a title', todos, 'mutation($t: String!) { addTodo(input: { title: $t }) { id } }', { identity: user('alice'), variables: { t: NUL } }],
    ['todos: a NUL in a Todo representation', todos, entities('... on Todo { id }'), { identity: user('alice'), variables: { r: [{ __typename: 'Todo', id: NUL }] } }],
    ['todos: a NUL in a User representation', todos, entities('... on User { todos { nodes { id } } }'), { identity: user('alice'), variables: { r: [{ __typename: 'User', id: NUL }] } }],
    ['todos: an overflowing cursor on User.todos', todos, 'query($r: [_Any!]!, $a: String) { _entities(representations: $r) { ... on User { todos(after: $a) { nodes { id } } } } }', { identity: user('alice'), variables: { r: [{ __typename: 'User', id: 'alice' }], a: OVERFLOW } }],
  ];
  for (const [what, url, query, options] of cases) {
    it(`${what}: HTTP 200 and BAD_USER_INPUT`, async () => {
      expectBadInput(await call(url, query, options));
    });
  }

  it('refuses only the bad representation of an _entities call; the others resolve', async () => {
    const { status, body } = await call(users, entities('... on User { id name }'), {
      identity: user('alice'),
      variables: { r: [{ __typename: 'User', id: 'alice' }, { __typename: 'User', id: NUL }] },
    });
    expect(status).toBe(200);
    expect(body.data).toEqual({ _entities: [{ id: 'alice', name: 'Alice' }, null] });
    expect(body.errors).toEqual([expect.objectContaining({ path: ['_entities', 1], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
  });
});
