import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, startGateway, startStack, token, type Stack } from '../helpers/stack.js';

/** Misspellings whose errors graphql-js completes with the names it would have accepted. */
const MISSPELLED = {
  field: '{ me { nmae } }',
  'root field': '{ usr(id: "alice") { id } }',
  argument: '{ user(idd: "alice") { id } }',
  'fragment type': '{ me { ...F } } fragment F on Usr { id }',
  'variable type': 'query ($id: IDD!) { user(id: $id) { id } }',
  'input field': 'mutation { addTodo(input: { title: "x", titel: "y" }) { id } }',
};
/** The names graphql-js suggests for them. */
const SUGGESTED = ['"name"', '"user"', '"users"', '"id"', '"User"', '"ID"', '"title"'];

let stack: Stack;
let development: Awaited<ReturnType<typeof startGateway>>;
let alice: string;

beforeAll(async () => {
  stack = await startStack({ env: 'production' });
  development = await startGateway({ users: stack.users.url, todos: stack.todos.url }, { env: 'development' });
  alice = await token('alice', { name: 'Alice' });
});
afterAll(async () => {
  await development?.server.stop();
  await stack?.stop();
});

function leaks(text: string): string[] {
  return [...(text.includes('Did you mean') ? ['Did you mean'] : []), ...SUGGESTED.filter((name) => text.includes(name))];
}

describe('schema details in error messages', () => {
  it.each(Object.entries(MISSPELLED))('production: a misspelled %s is refused without suggestions', async (_kind, query) => {
    const { status, body } = await graphql(stack.url, query, { token: alice });
    expect(status).toBe(400);
    expect(body.errors?.map((e) => e.extensions?.code)).toEqual(body.errors?.map(() => 'GRAPHQL_VALIDATION_FAILED'));
    expect(leaks(JSON.stringify(body.errors))).toEqual([]);
  });

  it('production: a misspelled input field in variables is refused without suggestions', async () => {
    const { status, body } = await graphql(stack.url, 'mutation ($input: AddTodoInput!) { addTodo(input: $input) { id } }', {
      token: alice,
      variables: { input: { title: 'x', titel: 'y' } },
    });
    expect(status).toBe(400);
    expect(body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(leaks(JSON.stringify(body.errors))).toEqual([]);
  });

  it.each(Object.entries(MISSPELLED))('development: a misspelled %s is refused with suggestions', async (_kind, query) => {
    const { status, body } = await graphql(development.url, query, { token: alice });
    expect(status).toBe(400);
    expect(body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(body.errors?.[0].message).toMatch(/Did you mean "\w+"/);
  });

  it('development keeps the suggestions in variable errors', async () => {
    const variables = await graphql(development.url, 'mutation ($input: AddTodoInput!) { addTodo(input: $input) { id } }', {
      token: alice,
      variables: { input: { title: 'x', titel: 'y' } },
    });
    expect(variables.body.errors?.[0].message).toContain('Did you mean "title"?');
  });

  it('hideSchemaDetails: true hides them outside production too', async () => {
    const hiding = await startGateway({ users: stack.users.url, todos: stack.todos.url }, { env: 'development', hideSchemaDetails: true });
    try {
      const { body } = await graphql(hiding.url, MISSPELLED.argument, { token: alice });
      expect(body.errors?.[0]).toMatchObject({ message: 'Unknown argument "idd" on field "Query.user".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    } finally {
      await hiding.server.stop();
    }
  });
});
