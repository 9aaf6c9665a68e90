import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSubgraphHttp, SubgraphTimeoutError } from '../../src/gateway/fetcher.js';
import { createRequestSigner, createRequestVerifier, IDENTITY_HEADER, SIGNATURE_HEADER, sha256Hex } from '../../src/identity/signed-identity.js';
import { graphql, startGateway, SUBGRAPH_PUBLIC_KEYS, token } from '../helpers/stack.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

interface FakeSubgraph {
  url: string;
  /** TCP connections accepted so far. */
  connections: number;
  requests: IncomingMessage[];
  /** The body of each request, in order. */
  bodies: string[];
  handle: Handler;
  stop(): Promise<void>;
}

/** A stand-in subgraph whose behaviour each test sets. */
async function fakeSubgraph(handle: Handler): Promise<FakeSubgraph> {
  const fake: FakeSubgraph = { url: '', connections: 0, requests: [], bodies: [], handle, stop: async () => undefined };
  const server: Server = createServer((req, res) => {
    fake.requests.push(req);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      fake.bodies.push(body);
      fake.handle(req, body, res);
    });
  });
  server.on('connection', () => fake.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  fake.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return fake;
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/** The users subgraph's part of `{ me { name } todo(id:) { title } }`. */
const usersAnswer: Handler = (_req, _body, res) => json(res, 200, { data: { me: { __typename: 'User', id: 'u1', name: 'Alice' } } });

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/graphql`;
}

// Both root fields are nullable and come from different subgraphs: one failing leaves the other.
const QUERY = '{ me { name } todo(id: "t1") { title } }';

describe('subgraph HTTP client, through the gateway', () => {
  let users: FakeSubgraph;
  let todos: FakeSubgraph;
  let caller: string;
  const gateways: Array<Awaited<ReturnType<typeof startGateway>>> = [];
  const gatewayFor = async (todosUrl: string, overrides: Parameters<typeof startGateway>[1] = {}) => {
    const gateway = await startGateway({ users: users.url, todos: todosUrl }, { cache: { enabled: false }, ...overrides });
    gateways.push(gateway);
    return gateway.url;
  };

  beforeAll(async () => {
    users = await fakeSubgraph(usersAnswer);
    todos = await fakeSubgraph((_req, _body, res) => json(res, 200, { data: { todo: { title: 'Write tests' } } }));
    caller = await token('alice', { name: 'Alice' });
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((g) => g.server.stop()));
  });
  afterAll(async () => {
    await Promise.all([users?.stop(), todos?.stop()]);
  });

  it('answers from both subgraphs, with the signed identity on every call, over kept-alive connections', async () => {
    const url = await gatewayFor(todos.url);
    const before = { users: users.connections, requests: users.requests.length };
    for (let i = 0; i < 5; i++) {
      const { body } = await graphql(url, QUERY, { token: caller });
      expect(body).toMatchObject({ data: { me: { name: 'Alice' }, todo: { title: 'Write tests' } } });
      expect(body.errors).toBeUndefined();
    }
    const sent = users.requests.slice(before.requests);
    const bodies = users.bodies.slice(before.requests);
    expect(sent).toHaveLength(5);
    const verifier = createRequestVerifier(SUBGRAPH_PUBLIC_KEYS, { audience: 'users' });
    sent.forEach((req, i) => {
      const identity = verifier.verify(
        { method: req.method!, path: req.url!, bodySha256: sha256Hex(bodies[i]) },
        { identity: req.headers[IDENTITY_HEADER] as string, signature: req.headers[SIGNATURE_HEADER] as string },
      );
      expect(identity).toMatchObject({ sub: 'alice', name: 'Alice' });
    });
    // Five sequential requests, one connection.
    expect(users.connections - before.users).toBe(1);
  });

  it('names an unreachable subgraph with SUBGRAPH_UNAVAILABLE and keeps the rest of the answer', async () => {
    const url = await gatewayFor(await closedPortUrl());
    const { status, body } = await graphql(url, QUERY, { token: caller });
    expect(status).toBe(200);
    expect(body.data).toEqual({ me: { name: 'Alice' }, todo: null });
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0].message).toBe('Subgraph "todos" is unreachable (ECONNREFUSED)');
    expect(body.errors![0].extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'todos' });
  });

  it('gives up on a subgraph that never answers after its timeout, without waiting for it', async () => {
    const silent = await fakeSubgraph(() => undefined);
    try {
      const url = await gatewayFor(silent.url, { subgraphTimeoutMs: 60_000, subgraphs: { users: { url: users.url }, todos: { url: silent.url, timeoutMs: 300 } } });
      const started = Date.now();
      const { status, body } = await graphql(url, QUERY, { token: caller });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(status).toBe(200);
      expect(body.data).toEqual({ me: { name: 'Alice' }, todo: null });
      expect(body.errors?.map((e) => [e.message, e.extensions?.code, e.extensions?.serviceName])).toEqual([
        ['Subgraph "todos" did not answer within 300 ms', 'SUBGRAPH_UNAVAILABLE', 'todos'],
      ]);
    } finally {
      await silent.stop();
    }
  });

  it('reports an HTTP error status as SUBGRAPH_UNAVAILABLE, and a refusal with the subgraph code', async () => {
    const broken = await fakeSubgraph((_req, _body, res) => json(res, 502, { message: 'upstream at 10.0.0.7 down' }));
    try {
      const url = await gatewayFor(broken.url, { env: 'production' });
      const { body } = await graphql(url, QUERY, { token: caller });
      expect(body.data).toEqual({ me: { name: 'Alice' }, todo: null });
      expect(body.errors).toEqual([
        expect.objectContaining({ message: 'Subgraph "todos" answered HTTP 502', extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'todos' } }),
      ]);
      broken.handle = (_req, _body, res) => json(res, 401, { errors: [{ message: 'invalid identity signature' }] });
      const refused = await graphql(url, QUERY, { token: caller });
      // The subgraph's code and name, never its address or what it said.
      expect(refused.body.errors?.[0].extensions).toEqual({ code: 'UNAUTHENTICATED', serviceName: 'todos' });
      expect(JSON.stringify(refused.body)).not.toContain(new URL(broken.url).port);
      broken.handle = (_req, _body, res) => json(res, 403, { errors: [{ message: 'not for you' }] });
      const forbidden = await graphql(url, QUERY, { token: caller });
      expect(forbidden.body.errors?.[0]).toMatchObject({ message: '403: Forbidden', extensions: { code: 'FORBIDDEN', serviceName: 'todos' } });
      expect(JSON.stringify(forbidden.body)).not.toContain('not for you');
    } finally {
      await broken.stop();
    }
  });
});

describe('subgraph fetcher', () => {
  it('rejects with SubgraphTimeoutError when the body stalls past the timeout', async () => {
    const stalled = await fakeSubgraph((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":');
    });
    const http = createSubgraphHttp();
    try {
      await expect(http.fetcher(200)(stalled.url, { method: 'POST', body: '{}' })).rejects.toBeInstanceOf(SubgraphTimeoutError);
    } finally {
      await stalled.stop();
      await http.close();
    }
  });

  it('gives a Response-like object: status, headers, text and json', async () => {
    const fake = await fakeSubgraph((_req, body, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60, public' });
      res.end(body);
    });
    const http = createSubgraphHttp();
    try {
      const response = await http.fetcher()(fake.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
      expect([response.status, response.ok, response.headers.get('Cache-Control')]).toEqual([200, true, 'max-age=60, public']);
      expect(await response.json()).toEqual({ a: 1 });
      expect(await response.clone().text()).toBe('{"a":1}');
    } finally {
      await fake.stop();
      await http.close();
    }
  });
});

describe('request signer', () => {
  const request = (body: string) => ({ method: 'POST', audience: 'users', path: '/graphql', bodySha256: sha256Hex(body), identity: 'eyJzY29wZXMiOltdfQ' });

  it('gives an identical request in the same second the same signature, and any other request another', () => {
    const signer = createRequestSigner('a-test-secret-of-enough-length', { maxEntries: 2 });
    const first = signer.sign(request('{"query":"{me{id}}"}'), 1_000);
    expect(signer.sign(request('{"query":"{me{id}}"}'), 1_000)).toBe(first);
    expect(signer.sign(request('{"query":"{me{name}}"}'), 1_000)).not.toBe(first);
    expect(signer.sign({ ...request('{"query":"{me{id}}"}'), audience: 'todos' }, 1_000)).not.toBe(first);
    expect(signer.sign(request('{"query":"{me{id}}"}'), 1_001)).toMatch(/^t=1001,k=[\w-]{11},v2=[\w-]{86}$/);
    // Past maxEntries the first one was dropped and is signed again: the same signature (Ed25519 is deterministic).
    expect(signer.sign(request('{"query":"{me{id}}"}'), 1_000)).toBe(first);
  });

  it('gives each single-use request (a mutation) a signature of its own, with a fresh nonce, never from the cache', () => {
    const signer = createRequestSigner('a-test-secret-of-enough-length');
    const mutation = { ...request('{"query":"mutation{addTodo(input:{title:\\"x\\"}){id}}"}'), singleUse: true };
    const signatures = [signer.sign(mutation, 1_000), signer.sign(mutation, 1_000), signer.sign(mutation, 1_000)];
    expect(new Set(signatures).size).toBe(3);
    for (const s of signatures) expect(s).toMatch(/^t=1000,k=[\w-]{11},n=[\w-]{22},v2=[\w-]{86}$/);
    // Nor does it disturb the cached signature of the same request signed as a query would be.
    const { singleUse: _, ...plain } = mutation;
    expect(signer.sign(plain, 1_000)).toBe(signer.sign(plain, 1_000));
    expect(signer.sign(plain, 1_000)).not.toMatch(/n=/);
  });
});
