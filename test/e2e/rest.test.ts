import { createServer, get, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRestSetup } from '../../src/rest/route-map.js';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createPorticoServer } from '../../src/server/create-server.js';
import { gatewayConfig, issueKey, startGateway, startStack, token, type Stack } from '../helpers/stack.js';

let stack: Stack;
let base: string;
let alice: string;
let bob: string;

const as = (jwt: string | undefined, extra: Record<string, string> = {}) => ({
  ...(jwt ? { authorization: `Bearer ${jwt}` } : {}),
  ...extra,
});
const send = (method: string, path: string, jwt: string | undefined, body?: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, {
    method,
    headers: as(jwt, body === undefined ? headers : { 'content-type': 'application/json', ...headers }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/**
 * A GET with If-None-Match as curl or a REST client sends it: fetch() would add `cache-control:
 * no-cache` to a conditional request (the Fetch standard), which skips the gateway's cache.
 */
function conditionalGet(path: string, jwt: string, etag: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    get(`${base}${path}`, { headers: { authorization: `Bearer ${jwt}`, 'if-none-match': etag } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    }).on('error', reject);
  });
}

beforeAll(async () => {
  stack = await startStack({ rest: { enabled: true } });
  base = new URL(stack.url).origin;
  alice = await token('alice', { name: 'Alice' });
  bob = await token('bob', { name: 'Bob' });
});
afterAll(() => stack?.stop());

describe('the five to-do routes and /api/me', () => {
  it('creates (201 + Location), reads, lists, updates and deletes (204) a to-do', async () => {
    const created = await send('POST', '/api/todos', alice, { title: '  Try REST  ' });
    expect(created.status).toBe(201);
    const todo = await created.json();
    expect(todo).toMatchObject({ title: 'Try REST', completed: false });
    expect(created.headers.get('location')).toBe(`/api/todos/${todo.id}`);

    const read = await send('GET', created.headers.get('location')!, alice);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual({ ...todo, owner: { id: 'alice', name: 'Alice' } });

    const listed = await send('GET', '/api/todos?first=10&completed=false', alice);
    expect(listed.status).toBe(200);
    expect((await listed.json()).nodes.map((t: { id: string }) => t.id)).toContain(todo.id);

    const updated = await send('PATCH', `/api/todos/${todo.id}`, alice, { completed: true });
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ id: todo.id, completed: true });
    const done = await (await send('GET', '/api/todos?completed=true', alice)).json();
    expect(done.nodes.map((t: { id: string }) => t.id)).toEqual([todo.id]);

    const deleted = await send('DELETE', `/api/todos/${todo.id}`, alice);
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    const gone = await send('GET', `/api/todos/${todo.id}`, alice);
    expect(gone.status).toBe(404);
    expect(gone.headers.get('content-type')).toBe('application/problem+json');
    expect(await gone.json()).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('GET /api/me is the caller; anonymous callers get 401', async () => {
    const me = await send('GET', '/api/me', bob);
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ id: 'bob', name: 'Bob' });
    expect((await send('GET', '/api/me', undefined)).status).toBe(401);
  });
});

describe('errors as problems with the status of their code', () => {
  it('401 UNAUTHENTICATED for no token on a route that needs one, and for a bad token', async () => {
    const anonymous = await send('GET', '/api/todos', undefined);
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    const bad = await send('GET', '/api/todos', 'not-a-token');
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ title: 'Unauthorized', code: 'UNAUTHENTICATED' });
  });

  it('401 INVALID_API_KEY for a key never issued; an issued key is a client but not a user (403)', async () => {
    const made = await send('GET', '/api/todos', undefined, undefined, { 'x-api-key': 'made-up' });
    expect(made.status).toBe(401);
    expect((await made.json()).code).toBe('INVALID_API_KEY');
    const { key } = await issueKey(stack.url);
    const keyed = await send('GET', '/api/todos', undefined, undefined, { 'x-api-key': key });
    expect(keyed.status).toBe(403);
    expect((await keyed.json()).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
  });

  it("someone else's to-do is 404 to read and 403 to change", async () => {
    const todo = await (await send('POST', '/api/todos', alice, { title: 'mine' })).json();
    expect((await send('GET', `/api/todos/${todo.id}`, bob)).status).toBe(404);
    const changed = await send('PATCH', `/api/todos/${todo.id}`, bob, { title: 'yours' });
    expect(changed.status).toBe(403);
    expect((await changed.json()).code).toBe('FORBIDDEN');
  });

  it('400 naming the parameter: from the query string, from the body, and from the subgraph', async () => {
    const text = await send('GET', '/api/todos?first=ten', alice);
    expect(text.status).toBe(400);
    expect((await text.json())['invalid-params']).toEqual([{ name: 'first', in: 'query', reason: 'Int cannot represent "ten"' }]);
    const body = await send('POST', '/api/todos', alice, { title: 'x', done: true });
    expect((await body.json())['invalid-params']).toEqual([
      { name: 'body', in: 'body', reason: 'Field "done" is not defined by type "AddTodoInput".' },
    ]);
    const empty = await send('POST', '/api/todos', alice, { title: '   ' });
    expect(empty.status).toBe(400);
    expect((await empty.json()).code).toBe('BAD_USER_INPUT');
  });

  it('a delete needs a recent sign-in (@policy): 403 with an older token', async () => {
    const todo = await (await send('POST', '/api/todos', alice, { title: 'keep' })).json();
    const old = await token('alice', { issuedAt: Math.floor(Date.now() / 1000) - 3600, expiresIn: 300 });
    const refused = await send('DELETE', `/api/todos/${todo.id}`, old);
    expect(refused.status).toBe(403);
    expect((await refused.json()).code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
  });
});

describe('the response cache through REST', () => {
  it('answers a GET with an ETag and the Cache-Control of the cache policy; If-None-Match gives 304; a REST POST evicts', async () => {
    const carol = await token('carol', { name: 'Carol' });
    await send('POST', '/api/todos', carol, { title: 'first' });
    const miss = await send('GET', '/api/todos', carol);
    expect(miss.headers.get('cache-control')).toBe('max-age=10, private');
    const etag = miss.headers.get('etag')!;
    const hit = await conditionalGet('/api/todos', carol, etag);
    expect(hit.status).toBe(304);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.body).toBe('');
    await send('POST', '/api/todos', carol, { title: 'second' });
    const after = await conditionalGet('/api/todos', carol, etag);
    expect(after.status).toBe(200);
    expect(after.headers['x-cache']).toBe('MISS');
    expect(JSON.parse(after.body).nodes.map((t: { title: string }) => t.title)).toEqual(['second', 'first']);
  });
});

describe('GET /api/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document with the demo routes, their parameters and both ways to authenticate', async () => {
    const response = await fetch(`${base}/api/openapi.json`);
    expect(response.status).toBe(200);
    const document = await response.json();
    const validator = new Validator();
    expect(await validator.validate(document)).toEqual({ valid: true });
    expect(validator.version).toBe('3.1');
    const served = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const declared = loadRestSetup('schema/operations').routes.map((r) => `${r.method} /api${r.path}`);
    expect(served.sort()).toEqual(declared.sort());
    expect(document.paths['/api/todos'].get.parameters.map((p: { name: string; schema: unknown }) => [p.name, p.schema])).toEqual([
      ['first', { type: 'integer', format: 'int32' }],
      ['after', { type: 'string' }],
      ['completed', { type: 'boolean' }],
    ]);
    expect(document.paths['/api/todos'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/AddTodoInput' });
    expect(document.components.schemas.AddTodoInput).toMatchObject({ properties: { title: { type: 'string' } }, required: ['title'] });
    expect(document.paths['/api/todos/{id}'].delete.responses['204']).toBeDefined();
    // The response schema of a route is the shape of what it answers.
    const todo = await (await send('POST', '/api/todos', alice, { title: 'described' })).json();
    const read = await (await send('GET', `/api/todos/${todo.id}`, alice)).json();
    const schema = document.paths['/api/todos/{id}'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(read).sort()).toEqual([...schema.required].sort());
    expect(Object.keys(read.owner).sort()).toEqual([...schema.properties.owner.required].sort());
    expect(schema.properties.completed).toEqual({ type: 'boolean', description: 'Whether it is done.' });
    expect(document.components.securitySchemes).toEqual({
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
    });
  });
});

describe('logs and metrics', () => {
  it('log each REST request once, with its route, operation, status and error codes; metrics count it by operation', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const config = gatewayConfig({ users: stack.users.url, todos: stack.todos.url }, { rest: { enabled: true }, logging: { level: 'info' } });
    const logged = createPorticoServer(config, pino({ level: 'info' }, sink));
    const { url, metricsUrl } = await logged.start();
    try {
      const origin = new URL(url).origin;
      await fetch(`${origin}/api/todos?first=1`, { headers: as(alice, { 'x-request-id': 'rest-1' }) });
      await fetch(`${origin}/api/todos/nope`, { headers: as(alice, { 'x-request-id': 'rest-2' }) });
      await fetch(`${origin}/api/todos`, { headers: as('bad', { 'x-request-id': 'rest-3' }) });
      const requests = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
      expect(requests.filter((l) => l.requestId === 'rest-1')).toEqual([
        expect.objectContaining({ method: 'GET', route: 'GET /api/todos', operationName: 'ListTodos', operationType: 'query', status: 200 }),
      ]);
      expect(requests.find((l) => l.requestId === 'rest-2')).toMatchObject({ route: 'GET /api/todos/{id}', status: 404, errorCodes: ['NOT_FOUND'] });
      expect(requests.find((l) => l.requestId === 'rest-3')).toMatchObject({ route: 'GET /api/todos', status: 401, errorCodes: ['UNAUTHENTICATED'] });
      const metrics = await (await fetch(metricsUrl!)).text();
      expect(metrics).toMatch(/portico_requests_total\{[^}]*operation="ListTodos"[^}]*\} 1/);
    } finally {
      await logged.stop();
    }
  });
});

describe('limits through REST', () => {
  let limited: Stack;
  let limitedBase: string;
  beforeAll(async () => {
    limited = await startStack({ rest: { enabled: true }, cost: { maxCost: 100, budgets: { capacity: 150, restoreRate: 0.01 } } });
    limitedBase = new URL(limited.url).origin;
  });
  afterAll(() => limited?.stop());

  it('400 COST_ESTIMATED_TOO_EXPENSIVE over the ceiling', async () => {
    const expensive = await fetch(`${limitedBase}/api/todos?first=100`, { headers: as(await token('dave')) });
    expect(expensive.status).toBe(400);
    expect((await expensive.json()).code).toBe('COST_ESTIMATED_TOO_EXPENSIVE');
  });

  it('429 THROTTLED with Retry-After once the budget is spent', async () => {
    const frank = await token('frank');
    let throttled: Response | undefined;
    for (let i = 0; i < 70 && !throttled; i++) {
      const response = await fetch(`${limitedBase}/api/todos`, { method: 'POST', headers: as(frank, { 'content-type': 'application/json' }), body: '{"title":"t"}' });
      if (response.status === 429) throttled = response;
      else expect(response.status).toBe(201);
    }
    expect(throttled).toBeDefined();
    expect(Number(throttled!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await throttled!.json()).code).toBe('THROTTLED');
  });
});

describe('quotas through REST', () => {
  let quota: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    quota = await startGateway({ users: stack.users.url, todos: stack.todos.url }, { rest: { enabled: true }, cost: { budgets: { quota: { limit: 2, period: 'day' } } } });
  });
  afterAll(() => quota?.server.stop());

  it('429 QUOTA_EXCEEDED with Retry-After and the quota once the plan\'s requests for the day are used', async () => {
    const origin = new URL(quota.url).origin;
    const gina = await token('gina');
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 3; i++) {
      last = await fetch(`${origin}/api/me`, { headers: as(gina) });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await last!.json()).toMatchObject({ status: 429, code: 'QUOTA_EXCEEDED', quota: { limit: 2, remaining: 0 } });
  });
});

describe('subgraphs down', () => {
  let down: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    // Nothing listens at these addresses: a port just closed.
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const url = `http://127.0.0.1:${closed}/graphql`;
    down = await startGateway({ users: url, todos: url }, { rest: { enabled: true }, resilience: { retries: 0, circuitBreaker: { failureThreshold: 2, startupGraceMs: 0 } } });
  });
  afterAll(() => down?.server.stop());

  it('502 SUBGRAPH_UNAVAILABLE naming the subgraph, then 503 once its circuit is open', async () => {
    const erin = await token('erin');
    const origin = new URL(down.url).origin;
    const statuses: number[] = [];
    let last: Record<string, unknown> = {};
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${origin}/api/todos/x`, { headers: as(erin) });
      statuses.push(response.status);
      last = await response.json();
    }
    expect(statuses).toEqual([502, 502, 503]);
    expect(last).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'todos' });
  });
});
