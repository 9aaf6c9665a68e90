import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOperations, operationsOf } from '../../src/rest/operations.js';
import { buildRoutes, loadRestSetup, matchRoute } from '../../src/rest/route-map.js';

const operations = new Map(
  operationsOf(
    `# Lists things.
query List($first: Int) { todos(first: $first) { nodes { ...Item } } }
fragment Item on Todo { id title }
mutation Add($input: AddTodoInput!) { addTodo(input: $input) { id } }`,
    'test.graphql',
  ).map((o) => [o.name, o]),
);

describe('operations files', () => {
  it('reads named operations with the fragments they use, their comment and the SHA-256 of their text', () => {
    const list = operations.get('List')!;
    expect(list.type).toBe('query');
    expect(list.description).toBe('Lists things.');
    expect(list.body).toContain('fragment Item on Todo');
    expect(operations.get('Add')!.body).not.toContain('fragment');
  });

  it('refuses an anonymous operation, a type definition and a name used twice, naming the file', () => {
    expect(() => operationsOf('{ me { id } }', 'a.graphql')).toThrow('a.graphql: every operation needs a name (line 1)');
    expect(() => operationsOf('type T { a: Int }', 'b.graphql')).toThrow('b.graphql: only operations and fragments belong in an operations file');
    expect(() => operationsOf('query {', 'c.graphql')).toThrow(/^c\.graphql: Syntax Error/);
    const dir = mkdtempSync(join(tmpdir(), 'portico-ops-'));
    writeFileSync(join(dir, 'a.graphql'), 'query Me { me { id } }');
    writeFileSync(join(dir, 'b.graphql'), 'query Me { me { name } }');
    expect(() => loadOperations(dir)).toThrow(`${join(dir, 'b.graphql')}: operation Me is also in ${join(dir, 'a.graphql')}; names must be unique`);
    writeFileSync(join(dir, 'b.graphql'), 'query Other { me { name } }');
    expect(() => loadRestSetup(dir)).toThrow(`${join(dir, 'routes.yaml')}: no route map (set rest.routes or write this file)`);
  });
});

describe('the route map', () => {
  it.each([
    [{ method: 'GET', path: '/x', operation: 'Nope' }, 'route GET /x: no operation named Nope in the operations folder'],
    [{ method: 'GET', path: '/x', operation: 'Add' }, 'route GET /x: GET serves queries only, and Add is a mutation'],
    [{ method: 'GET', path: '/x/{id}', operation: 'List' }, 'route GET /x/{id}: {id} is not a variable of List'],
    [{ method: 'POST', path: '/x', operation: 'Add', body: 'data' }, 'route POST /x: body data is not a variable of Add'],
    [{ method: 'FETCH', path: '/x', operation: 'List' }, 'rest.routes[0].method: Invalid option'],
    [{ method: 'GET', path: 'x', operation: 'List' }, 'rest.routes[0].path: a path starting with /'],
  ])('refuses %j', (route, message) => {
    expect(() => buildRoutes([route as never], operations)).toThrow(message);
  });

  it('refuses two routes with one method and path', () => {
    const route = { method: 'get', path: '/x', operation: 'List' };
    expect(() => buildRoutes([route, route], operations)).toThrow('route GET /x: another route has the same method and path');
  });

  it('matches paths with parameters and a trailing slash, and lists the methods a path serves', () => {
    const routes = loadRestSetup('schema/operations').routes;
    expect(matchRoute(routes, 'GET', '/todos/abc/')).toMatchObject({ route: { operation: { name: 'GetTodo' } }, params: { id: 'abc' } });
    expect(matchRoute(routes, 'HEAD', '/todos')).toMatchObject({ route: { operation: { name: 'ListTodos' } } });
    expect(matchRoute(routes, 'POST', '/todos/abc')).toEqual({ allowed: ['GET', 'PATCH', 'DELETE'] });
    expect(matchRoute(routes, 'GET', '/todos/a/b')).toBeUndefined();
  });
});
