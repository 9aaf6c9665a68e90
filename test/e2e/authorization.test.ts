import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, startStack, token, type Stack } from '../helpers/stack.js';

// The demo schema's rules (README "Authorization"): to-dos need a signed-in caller, listing users needs
// `admin`, an email needs `users:read:email` or `admin`, deleting needs a token from the last 30 minutes.
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

const code = (body: { errors?: { extensions?: Record<string, unknown> }[] }) => body.errors?.map((e) => e.extensions?.code);

describe('the demo graph’s authorization rules', () => {
  it('lists users with their emails for an admin only', async () => {
    const query = '{ users(first: 5) { nodes { id email } } }';
    await graphql(stack.url, '{ me { id } }', { token: await token('carol') });
    const asAdmin = await graphql(stack.url, query, { token: await token('root', { scope: 'admin' }) });
    expect(asAdmin.body.errors).toBeUndefined();
    expect(asAdmin.body.data.users.nodes.map((u: { id: string }) => u.id)).toContain('carol');

    const asUser = await graphql(stack.url, query, { token: await token('carol') });
    expect(asUser.body.data).toBeNull();
    expect(asUser.body.errors?.[0]).toMatchObject({ path: ['users'], extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' } });
  });

  it('hides an email from a caller without the scope, but not the rest of the answer', async () => {
    const dave = await token('dave', { name: 'Dave', email: 'dave@example.com' });
    const asDave = await graphql(stack.url, '{ me { name } email: me { email } }', { token: dave });
    expect(asDave.body.data).toEqual({ me: { name: 'Dave' }, email: null });
    expect(asDave.body.errors?.map((e) => e.path)).toEqual([['email', 'email']]);
    const withScope = await graphql(stack.url, '{ me { email } }', { token: await token('dave', { scope: 'users:read:email' }) });
    expect(withScope.body.data).toEqual({ me: { email: 'dave@example.com' } });
  });

  it('deletes a to-do only with a recently issued token, and never sends a refused delete to the subgraph', async () => {
    const erin = await token('erin');
    const added = await graphql(stack.url, 'mutation { addTodo(input: { title: "keep me" }) { id } }', { token: erin });
    const id = added.body.data.addTodo.id;
    const before = stack.todos.db.stats.queries;
    const stale = await token('erin', { issuedAt: Math.floor(Date.now() / 1000) - 3600, expiresIn: 600 });
    const refused = await graphql(stack.url, 'mutation($id: ID!) { deleteTodo(id: $id) }', { token: stale, variables: { id } });
    expect(code(refused.body)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
    expect(stack.todos.db.stats.queries).toBe(before);
    const still = await graphql(stack.url, 'query($id: ID!) { todo(id: $id) { title } }', { token: erin, variables: { id } });
    expect(still.body.data.todo.title).toBe('keep me');
    const deleted = await graphql(stack.url, 'mutation($id: ID!) { deleteTodo(id: $id) }', { token: erin, variables: { id } });
    expect(deleted.body.data.deleteTodo).toBe(id);
  });

  it('refuses a token issued in the future with 401 before the recent-sign-in policy sees it', async () => {
    const erin = await token('erin');
    const added = await graphql(stack.url, 'mutation { addTodo(input: { title: "keep me too" }) { id } }', { token: erin });
    const id = added.body.data.addTodo.id;
    const before = stack.todos.db.stats.queries;
    // An hour ahead would otherwise pass `recent-sign-in` for an hour and a half.
    const ahead = await token('erin', { issuedAt: Math.floor(Date.now() / 1000) + 3600, expiresIn: 7200 });
    const refused = await graphql(stack.url, 'mutation($id: ID!) { deleteTodo(id: $id) }', { token: ahead, variables: { id } });
    expect(refused.status).toBe(401);
    expect(refused.body.errors).toEqual([{ message: 'Token claim "iat" is invalid (issued in the future)', extensions: { code: 'UNAUTHENTICATED' } }]);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    expect(stack.todos.db.stats.queries).toBe(before);
    const still = await graphql(stack.url, 'query($id: ID!) { todo(id: $id) { title } }', { token: erin, variables: { id } });
    expect(still.body.data.todo.title).toBe('keep me too');
  });

  it('answers an anonymous caller without calling the todos subgraph', async () => {
    const before = stack.todos.db.stats.queries;
    const { body } = await graphql(stack.url, '{ todos { nodes { id } } }');
    expect(body.data).toBeNull();
    expect(code(body)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
    expect(stack.todos.db.stats.queries).toBe(before);
  });
});
