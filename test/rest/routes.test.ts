import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpError } from '../../src/server/graphql-http.js';
import { startRoutes, outcome, type FakeGateway } from './fixture.js';

const auth = { authorization: 'Bearer t' };
const json = { 'content-type': 'application/json', ...auth };
const todo = { id: 't1', title: 'Write tests', completed: false, createdAt: '2026-12-01T00:00:00.000Z' };
const page = { nodes: [todo], pageInfo: { endCursor: 'c1', hasNextPage: false } };

let api: FakeGateway;
beforeAll(async () => {
  api = await startRoutes({
    refuse: (req) => (req.headers.authorization === 'Bearer bad' ? new HttpError(401, 'UNAUTHENTICATED', 'Invalid token') : undefined),
  });
});
afterAll(() => api.close());
beforeEach(() => {
  api.calls.length = 0;
});

describe('variables from path, query string and body', () => {
  it('reads query-string texts as the variable types say (Int, Boolean) and runs the named operation', async () => {
    api.answer = () => outcome({ data: { todos: page } }, 200, { 'cache-control': 'private, max-age=10' });
    const response = await fetch(`${api.base}/api/todos?first=2&completed=false&after=c0`, { headers: auth });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(page);
    expect(response.headers.get('cache-control')).toBe('private, max-age=10');
    expect(api.calls).toHaveLength(1);
    expect(api.calls[0]).toMatchObject({ entry: 'rest', operationName: 'ListTodos', variables: { first: 2, completed: false, after: 'c0' } });
    expect(api.calls[0].query).toContain('query ListTodos');
  });

  it('takes {id} from the path, percent-decoded', async () => {
    api.answer = () => outcome({ data: { todo } });
    const response = await fetch(`${api.base}/api/todos/a%2Fb`, { headers: auth });
    expect(response.status).toBe(200);
    expect(api.calls[0].variables).toEqual({ id: 'a/b' });
  });

  it.each([
    ['first=abc', 'first', 'Int cannot represent "abc"'],
    ['first=1.5', 'first', 'Int cannot represent "1.5"'],
    ['first=99999999999', 'first', 'Int cannot represent non 32-bit signed integer value: 99999999999'],
    ['completed=yes', 'completed', 'Boolean must be true or false, not "yes"'],
    ['first=1&first=2', 'first', 'is given more than once'],
    ['colour=red', 'colour', 'is not a parameter of this route'],
  ])('refuses ?%s with a 400 problem naming %s, without running anything', async (search, name, reason) => {
    const response = await fetch(`${api.base}/api/todos?${search}`, { headers: auth });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = await response.json();
    expect(problem).toMatchObject({ type: 'about:blank', title: 'Bad Request', status: 400, code: 'BAD_USER_INPUT' });
    expect(problem['invalid-params']).toEqual([{ name, in: 'query', reason }]);
    expect(problem.detail).toBe(`Parameter ${name}${reason.startsWith('is ') ? ' ' : ': '}${reason}`);
    expect(api.calls).toHaveLength(0);
  });

  it('makes the JSON body the input of a create: 201 with the new resource and its Location', async () => {
    api.answer = () => outcome({ data: { addTodo: todo } });
    const response = await fetch(`${api.base}/api/todos`, { method: 'POST', headers: json, body: JSON.stringify({ title: 'Write tests' }) });
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe('/api/todos/t1');
    expect(await response.json()).toEqual(todo);
    expect(api.calls[0]).toMatchObject({ operationName: 'AddTodo', variables: { input: { title: 'Write tests' } } });
  });

  it('names the body field a create is missing or has wrong', async () => {
    const missing = await fetch(`${api.base}/api/todos`, { method: 'POST', headers: json, body: '{}' });
    expect(missing.status).toBe(400);
    expect((await missing.json())['invalid-params']).toEqual([
      { name: 'body', in: 'body', reason: 'Field "title" of required type "String!" was not provided.' },
    ]);
    const wrong = await fetch(`${api.base}/api/todos`, { method: 'POST', headers: json, body: '{"title": 3, "colour": "red"}' });
    const problem = await wrong.json();
    expect(problem['invalid-params'].map((p: { name: string }) => p.name)).toEqual(['body.title', 'body']);
    const none = await fetch(`${api.base}/api/todos`, { method: 'POST', headers: auth });
    expect((await none.json())['invalid-params']).toEqual([{ name: 'body', in: 'body', reason: 'is required' }]);
    expect(api.calls).toHaveLength(0);
  });

  it('refuses a body that is not JSON (415) or not valid JSON (400)', async () => {
    const text = await fetch(`${api.base}/api/todos`, { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: 'title' });
    expect(text.status).toBe(415);
    expect((await text.json()).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const broken = await fetch(`${api.base}/api/todos`, { method: 'POST', headers: json, body: '{"title"' });
    expect(broken.status).toBe(400);
    expect((await broken.json()).code).toBe('BAD_REQUEST');
  });

  it('patches with the id from the path and the body as input', async () => {
    api.answer = () => outcome({ data: { updateTodo: { ...todo, completed: true } } });
    const response = await fetch(`${api.base}/api/todos/t1`, { method: 'PATCH', headers: json, body: '{"completed": true}' });
    expect(response.status).toBe(200);
    expect(api.calls[0]).toMatchObject({ operationName: 'UpdateTodo', variables: { id: 't1', input: { completed: true } } });
  });

  it('answers a delete with 204 and no body', async () => {
    api.answer = () => outcome({ data: { deleteTodo: 't1' } });
    const response = await fetch(`${api.base}/api/todos/t1`, { method: 'DELETE', headers: auth });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(api.calls[0]).toMatchObject({ operationName: 'DeleteTodo', variables: { id: 't1' } });
  });
});

describe('HTTP semantics', () => {
  it('gives a GET an ETag from its body and answers If-None-Match with 304', async () => {
    api.answer = () => outcome({ data: { todos: page } }, 200, { 'cache-control': 'private, max-age=10' });
    const first = await fetch(`${api.base}/api/todos`, { headers: auth });
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    const again = await fetch(`${api.base}/api/todos`, { headers: { ...auth, 'if-none-match': `W/"other", ${etag}` } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('cache-control')).toBe('private, max-age=10');
    api.answer = () => outcome({ data: { todos: { ...page, nodes: [] } } });
    const changed = await fetch(`${api.base}/api/todos`, { headers: { ...auth, 'if-none-match': etag! } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it.each([
    ['NOT_FOUND', 200, 404],
    ['FORBIDDEN', 200, 403],
    ['BAD_USER_INPUT', 200, 400],
    ['UNAUTHORIZED_FIELD_OR_TYPE', 200, 403],
    ['COST_ESTIMATED_TOO_EXPENSIVE', 400, 400],
    ['SUBGRAPH_UNAVAILABLE', 200, 502],
    ['SERVICE_UNAVAILABLE', 503, 503],
    ['GRAPHQL_VALIDATION_FAILED', 400, 500],
    ['SOMETHING_A_SUBGRAPH_MADE_UP', 200, 500],
  ])('answers %s (GraphQL status %i) with a %i problem keeping the code', async (code, graphqlStatus, status) => {
    api.answer = () => outcome({ data: null, errors: [{ message: `failed: ${code}`, path: ['todo'], extensions: { code } }] }, graphqlStatus);
    const response = await fetch(`${api.base}/api/todos/t1`, { headers: auth });
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ status, code, detail: `failed: ${code}`, errors: [{ message: `failed: ${code}`, path: ['todo'], code }] });
  });

  it('answers THROTTLED with 429 and the pipeline Retry-After', async () => {
    api.answer = () => outcome({ errors: [{ message: 'Budget spent', extensions: { code: 'THROTTLED' } }] }, 429, { 'retry-after': '3', 'ratelimit-remaining': '0' });
    const response = await fetch(`${api.base}/api/todos`, { headers: auth });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(response.headers.get('ratelimit-remaining')).toBe('0');
    expect((await response.json()).code).toBe('THROTTLED');
  });

  it('tells a subgraph whose circuit is open (503) from one that timed out (504)', async () => {
    const down = (message: string) => () => outcome({ data: null, errors: [{ message, extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'todos' } }] });
    api.answer = down('Subgraph "todos" is unreachable (CIRCUIT_OPEN)');
    expect((await fetch(`${api.base}/api/todos`, { headers: auth })).status).toBe(503);
    api.answer = down('Subgraph "todos" did not answer within 30000 ms');
    const timedOut = await fetch(`${api.base}/api/todos`, { headers: auth });
    expect(timedOut.status).toBe(504);
    expect((await timedOut.json()).serviceName).toBe('todos');
  });

  it('answers a field refused to an anonymous caller with 401, and a null resource with 404 (401 when anonymous)', async () => {
    api.answer = () => outcome({ data: null, errors: [{ message: 'not authorized', extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' } }] });
    expect((await fetch(`${api.base}/api/todos`)).status).toBe(401);
    api.answer = () => outcome({ data: { me: null } });
    expect((await fetch(`${api.base}/api/me`)).status).toBe(401);
    const missing = await fetch(`${api.base}/api/me`, { headers: auth });
    expect(missing.status).toBe(404);
    expect((await missing.json()).code).toBe('NOT_FOUND');
  });

  it('keeps the status and code of a refused caller (createContext throws)', async () => {
    const response = await fetch(`${api.base}/api/todos`, { headers: { authorization: 'Bearer bad' } });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ title: 'Unauthorized', code: 'UNAUTHENTICATED', detail: 'Invalid token' });
    expect(api.calls).toHaveLength(0);
  });

  it('answers a method the path does not serve with 405 and Allow, and leaves other paths alone', async () => {
    const response = await fetch(`${api.base}/api/todos`, { method: 'PUT', headers: json, body: '{}' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, POST, HEAD');
    expect((await fetch(`${api.base}/api/nothing`)).status).toBe(404);
  });
});
