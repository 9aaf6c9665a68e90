import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, startStack, startGateway, token, type Stack } from '../helpers/stack.js';
import { rawRequest, wellFormedErrors, type RawResponse } from './http.js';

const MAX_BODY = 16 * 1024;
const JSON_HEADERS = { 'content-type': 'application/json' };

function post(url: string, body: string | Buffer, headers: Record<string, string> = JSON_HEADERS) {
  return rawRequest(url, { method: 'POST', headers, body });
}

/** The answer is a GraphQL error response with this status and the first error's code. */
function expectRefused(response: RawResponse, status: number, code: string) {
  expect({ status: response.status, code: response.body?.errors?.[0]?.extensions?.code }).toEqual({ status, code });
  expect(wellFormedErrors(response.body)).toBe(true);
  expect(response.headers['content-type']).toMatch(/application\/(graphql-response\+)?json/);
}

let stack: Stack;
let alice: string;

beforeAll(async () => {
  stack = await startStack({ server: { maxBodyBytes: MAX_BODY } });
  alice = await token('alice', { name: 'Alice' });
});
afterAll(() => stack?.stop());

describe('malformed requests', () => {
  it('refuses a body that is not JSON with 400 BAD_REQUEST', async () => {
    expectRefused(await post(stack.url, '{"query": "{ me { id } }"'), 400, 'BAD_REQUEST');
    expectRefused(await post(stack.url, '\u0000\u0001garbage'), 400, 'BAD_REQUEST');
  });

  it('refuses a body over the size limit with 413 PAYLOAD_TOO_LARGE, declared or streamed', async () => {
    const big = JSON.stringify({ query: `{ me { id } } # ${'x'.repeat(MAX_BODY)}` });
    expectRefused(await post(stack.url, big), 413, 'PAYLOAD_TOO_LARGE');
    // No content-length: the limit is found while reading, and the client still gets its answer.
    const chunks = Array.from({ length: 8 }, () => Buffer.alloc(4096, 0x20));
    expectRefused(await rawRequest(stack.url, { headers: JSON_HEADERS, chunks }), 413, 'PAYLOAD_TOO_LARGE');
    // The gateway still serves afterwards.
    expect((await graphql(stack.url, '{ __typename }')).status).toBe(200);
  });

  it('refuses a request without a query, or with a query that is not a string', async () => {
    expectRefused(await post(stack.url, JSON.stringify({ variables: {} })), 400, 'BAD_REQUEST');
    expectRefused(await post(stack.url, JSON.stringify({ query: 42 })), 400, 'BAD_REQUEST');
    expectRefused(await post(stack.url, JSON.stringify({ query: { kind: 'Document' } })), 400, 'BAD_REQUEST');
    expectRefused(await post(stack.url, JSON.stringify({ query: '{ me { id } }', variables: 'nope' })), 400, 'BAD_REQUEST');
    expectRefused(await post(stack.url, JSON.stringify({ query: '{ me { id } }', operationName: 7 })), 400, 'BAD_REQUEST');
    expectRefused(await post(stack.url, JSON.stringify('{ me { id } }')), 400, 'BAD_REQUEST');
    expectRefused(await post(stack.url, 'null'), 400, 'BAD_REQUEST');
    expectRefused(await post(stack.url, ''), 400, 'BAD_REQUEST');
  });

  it('refuses a syntax error with 400 GRAPHQL_PARSE_FAILED and its location', async () => {
    const { status, body } = await graphql(stack.url, '{ me { id }');
    expect(status).toBe(400);
    expect(body.errors?.[0]).toMatchObject({ extensions: { code: 'GRAPHQL_PARSE_FAILED' }, locations: [{ line: 1, column: 12 }] });
  });

  it('refuses an unknown operation name, and several operations without one', async () => {
    const doc = 'query A { __typename } query B { __typename }';
    const unknown = await post(stack.url, JSON.stringify({ query: doc, operationName: 'C' }));
    expectRefused(unknown, 400, 'OPERATION_RESOLUTION_FAILURE');
    expect(unknown.body?.errors?.[0].message).toMatch(/Unknown operation named "C"/);
    const unnamed = await post(stack.url, JSON.stringify({ query: doc }));
    expectRefused(unnamed, 400, 'OPERATION_RESOLUTION_FAILURE');
    expect(unnamed.body?.errors?.[0].message).toMatch(/operation name/i);
    const picked = await post(stack.url, JSON.stringify({ query: doc, operationName: 'B' }));
    expect(picked.status).toBe(200);
  });

  it('refuses variables of the wrong type with 400 BAD_USER_INPUT, before any subgraph is called', async () => {
    const doc = 'query($id: ID!, $first: Int) { todo(id: $id) { id } todos(first: $first) { nodes { id } } }';
    const before = stack.todos.db.stats.queries;
    for (const variables of [{ id: 'x', first: 'ten' }, { id: { a: 1 }, first: 1 }, { first: 1 }, { id: 'x', first: 1.5 }, { id: null }]) {
      const { status, body } = await graphql(stack.url, doc, { variables, token: alice });
      expect(status).toBe(400);
      expect(body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(body.data).toBeUndefined();
    }
    // The cost is estimated before variables are coerced: an Int out of range is refused on cost.
    const huge = await graphql(stack.url, doc, { variables: { id: 'x', first: 2 ** 40 }, token: alice });
    expect(huge.status).toBe(400);
    expect(['BAD_USER_INPUT', 'COST_ESTIMATED_TOO_EXPENSIVE']).toContain(huge.body.errors?.[0].extensions?.code);
    expect(stack.todos.db.stats.queries).toBe(before);
  });

  it('refuses batched arrays (batching is off) with 400 BAD_REQUEST', async () => {
    const batch = JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]);
    const response = await post(stack.url, batch);
    expectRefused(response, 400, 'BAD_REQUEST');
    expect(response.body?.errors?.[0].message).toMatch(/batching/i);
  });
});

describe('methods, content types and CSRF', () => {
  const preflight = { 'apollo-require-preflight': 'true' };

  it('answers a GET query that carries a preflight header', async () => {
    const url = `${stack.url}?query=${encodeURIComponent('{ __typename }')}`;
    const response = await rawRequest(url, { method: 'GET', headers: preflight });
    expect(response.status).toBe(200);
    expect(response.body?.data).toEqual({ __typename: 'Query' });
  });

  it('refuses a mutation over GET with 405 and Allow: POST', async () => {
    const url = `${stack.url}?query=${encodeURIComponent('mutation { addTodo(input: { title: "x" }) { id } }')}`;
    const response = await rawRequest(url, { method: 'GET', headers: { ...preflight, authorization: `Bearer ${alice}` } });
    expectRefused(response, 405, 'BAD_REQUEST');
    expect(response.headers.allow).toBe('POST');
  });

  it('refuses CSRF-prone simple requests: a GET without a preflight header, a text/plain or form POST', async () => {
    const url = `${stack.url}?query=${encodeURIComponent('{ __typename }')}`;
    const get = await rawRequest(url, { method: 'GET' });
    expectRefused(get, 400, 'BAD_REQUEST');
    expect(get.body?.errors?.[0].message).toMatch(/Cross-Site Request Forgery/);
    const body = JSON.stringify({ query: '{ __typename }' });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const response = await post(stack.url, body, { 'content-type': type });
      expectRefused(response, 400, 'BAD_REQUEST');
      expect(response.body?.errors?.[0].message).toMatch(/Cross-Site Request Forgery/);
    }
  });

  it('refuses a POST whose content type is not JSON, or that has none', async () => {
    const body = JSON.stringify({ query: '{ __typename }' });
    expectRefused(await post(stack.url, body, { 'content-type': 'application/xml' }), 400, 'BAD_REQUEST');
    expectRefused(await post(stack.url, body, {}), 400, 'BAD_REQUEST');
  });

  it('refuses other methods', async () => {
    const response = await rawRequest(stack.url, { method: 'PUT', headers: JSON_HEADERS, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(response.status).toBe(405);
    expect(wellFormedErrors(response.body)).toBe(true);
  });
});

describe('abusive documents', () => {
  it('refuses a document deeper than the limit with MAX_DEPTH_EXCEEDED', async () => {
    // me → todos → nodes → owner → todos → nodes → owner …: 1 + 3 × 6 = 19 levels > 15
    const doc = `{ me { ${'todos { nodes { owner { '.repeat(6)}id${' } } }'.repeat(6)} } }`;
    const { status, body } = await graphql(stack.url, doc, { token: alice });
    expect(status).toBe(400);
    expect(body.errors?.[0].extensions?.code).toBe('MAX_DEPTH_EXCEEDED');
  });

  it('refuses too many aliases with MAX_ALIASES_EXCEEDED', async () => {
    // graphql-armor does not count aliases of __typename; these are real fields.
    const doc = `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
    const { status, body } = await graphql(stack.url, doc);
    expect(status).toBe(400);
    expect(body.errors?.[0].extensions?.code).toBe('MAX_ALIASES_EXCEEDED');
  });

  it('refuses too many tokens with MAX_TOKENS_EXCEEDED, within the body limit', async () => {
    // 5001 one-letter fields and two braces: 5003 tokens in about 10 KB, under the body limit.
    const doc = `{ ${'a '.repeat(5001)}}`;
    expect(doc.length).toBeLessThan(MAX_BODY - 100);
    const { status, body } = await graphql(stack.url, doc);
    expect(status).toBe(400);
    expect(body.errors?.[0].extensions?.code).toBe('MAX_TOKENS_EXCEEDED');
  });

  it('refuses fragment cycles with GRAPHQL_VALIDATION_FAILED', async () => {
    const doc = '{ me { ...A } } fragment A on User { ...B } fragment B on User { ...A }';
    const { status, body } = await graphql(stack.url, doc, { token: alice });
    expect(status).toBe(400);
    expect(body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(body.errors?.[0].message).toMatch(/Cannot spread fragment "A" within itself/);
  });

  it('answers an exponential fragment fan-out (2^40 spreads) quickly, without expanding it', async () => {
    // F0 selects fields; F(n) spreads F(n-1) twice under two fields: 2^40 paths if expanded naively.
    const fragments = ['fragment F0 on Query { __typename }'];
    for (let n = 1; n <= 40; n++) fragments.push(`fragment F${n} on Query { ...F${n - 1} ...F${n - 1} }`);
    const started = Date.now();
    const { status, body } = await graphql(stack.url, `{ ...F40 } ${fragments.join(' ')}`, { token: alice });
    expect(Date.now() - started).toBeLessThan(5000);
    expect([200, 400]).toContain(status);
    expect(wellFormedErrors(body)).toBe(true);
  });

  it('estimates a fan-out of lists through fragments without expanding it, and refuses it on cost', async () => {
    const fragments = ['fragment T0 on Todo { id }'];
    // T(n) = T(n-1) plus owner.todos(first: 100).nodes of T(n-1): within the depth limit at n = 2, and
    // 100 × (1 + 2 + 100 × …) far above the ceiling.
    for (let n = 1; n <= 2; n++) fragments.push(`fragment T${n} on Todo { ...T${n - 1} owner { todos(first: 100) { nodes { ...T${n - 1} } } } }`);
    const started = Date.now();
    const { status, body } = await graphql(stack.url, `{ todos(first: 100) { nodes { ...T2 } } } ${fragments.join(' ')}`, { token: alice });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(status).toBe(400);
    expect(body.errors?.[0].extensions?.code).toBe('COST_ESTIMATED_TOO_EXPENSIVE');
  });
});

describe('in production', () => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    // Subgraphs that nothing listens on: their addresses must never reach a client.
    gateway = await startGateway(
      { users: 'http://127.0.0.1:9/users-graphql', todos: 'http://127.0.0.1:9/todos-graphql' },
      { env: 'production' },
    );
  });
  afterAll(() => gateway?.server.stop());

  it('refuses introspection', async () => {
    for (const doc of ['{ __schema { types { name } } }', '{ __type(name: "Todo") { fields { name } } }']) {
      const { status, body } = await graphql(gateway.url, doc);
      expect(status).toBe(400);
      expect(body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(body.errors?.[0].message).toMatch(/introspection/i);
    }
  });

  it('masks errors: no stack trace, no subgraph address, a stable code on every error', async () => {
    const caller = await token('alice', { scope: 'admin' });
    const documents = [
      '{ users { nodes { id name } } }',
      '{ me { id todos { nodes { id } } } }',
      '{ todos { nodes { id owner { name } } } }',
      'mutation { addTodo(input: { title: "x" }) { id } }',
      '{ me { id',
      '{ nope }',
    ];
    for (const doc of documents) {
      const { body } = await graphql(gateway.url, doc, { token: caller });
      const text = JSON.stringify(body);
      expect(wellFormedErrors(body)).toBe(true);
      expect(text).not.toMatch(/stacktrace|\bat .+\.(js|ts):\d+|127\.0\.0\.1|localhost|http:\/\/|graphql:|:9\b|users-graphql|todos-graphql/i);
    }
  });
});

describe('variables the gateway itself evaluates', () => {
  it.each([
    ['@include on a field', 'query($v: Boolean = true) { me @include(if: $v) { id } }'],
    ['@skip on a field', 'query($v: Boolean = false) { me @skip(if: $v) { id } }'],
    ['@include on a fragment spread', 'query($v: Boolean = true) { ...F @include(if: $v) } fragment F on Query { me { id } }'],
    ['@skip inside a fragment', 'query($v: Boolean = false) { ...F } fragment F on Query { me @skip(if: $v) { id } }'],
  ])('a null condition variable (%s) is 400 BAD_USER_INPUT, not a 500', async (_where, query) => {
    for (let i = 0; i < 2; i++) {
      const response = await post(stack.url, JSON.stringify({ query, variables: { v: null } }));
      expectRefused(response, 400, 'BAD_USER_INPUT');
      expect(response.body?.errors?.[0]?.message).toMatch(/\$v.*null/);
    }
    // The same document with the condition given is answered.
    expect((await graphql(stack.url, query, { variables: { v: true } })).status).toBe(200);
  });
});
