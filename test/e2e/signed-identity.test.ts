// Headers captured from one gateway→subgraph call (a log line, a trace, a proxy) must not vouch for
// any other request: the signature covers method, subgraph, path, body digest and a short lifetime.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDENTITY_HEADER, SIGNATURE_HEADER, signRequest, type Identity } from '../../src/identity/signed-identity.js';
import { startTodosSubgraph } from '../../subgraphs/todos/index.js';
import { startUsersSubgraph } from '../../subgraphs/users/index.js';
import type { RunningSubgraph } from '../../subgraphs/runtime/index.js';
import { recordingProxy } from '../helpers/recording-proxy.js';
import { graphql, silentLogger, startGateway, SUBGRAPH_PUBLIC_KEYS, SUBGRAPH_SECRET, token } from '../helpers/stack.js';
import { testStorage } from '../subgraphs/storage-fixture.js';

const usersStorage = testStorage('replay-users', { inMemory: true });
const todosStorage = testStorage('replay-todos', { inMemory: true });
let users: RunningSubgraph;
let todos: RunningSubgraph;
let proxy: Awaited<ReturnType<typeof recordingProxy>>;
let todosProxy: Awaited<ReturnType<typeof recordingProxy>>;
let gateway: Awaited<ReturnType<typeof startGateway>>;
/** What the gateway sent the users subgraph for an admin's e-mail-revealing `users` query. */
let captured: { identity: string; signature: string; body: string };

const ADMIN_QUERY = '{ users(first: 100) { nodes { id email } } }';
const ADD_TODO = JSON.stringify({ query: 'mutation { addTodo(input: { title: "planted" }) { id } }' });
const now = () => Math.floor(Date.now() / 1000);

/** Sends `body` with the given identity headers straight to a subgraph, around the gateway. */
async function send(url: string, headers: { identity: string; signature: string }, body: string | undefined, method = 'POST') {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: headers.identity, [SIGNATURE_HEADER]: headers.signature },
    body,
  });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: Array<{ extensions?: { code?: string } }> } };
}

const refused = (answer: Awaited<ReturnType<typeof send>>) => {
  expect(answer.status).toBe(401);
  expect(answer.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  expect(answer.body.data).toBeUndefined();
};

beforeAll(async () => {
  const common = { port: 0, gatewayKeys: SUBGRAPH_PUBLIC_KEYS, logger: silentLogger };
  [users, todos] = await Promise.all([
    startUsersSubgraph({ ...common, storage: usersStorage.options }),
    startTodosSubgraph({ ...common, storage: todosStorage.options }),
  ]);
  [proxy, todosProxy] = await Promise.all([recordingProxy(users.url), recordingProxy(todos.url)]);
  gateway = await startGateway({ users: proxy.url, todos: todosProxy.url }, { cache: { enabled: false } });
  const admin = await token('root', { scope: 'admin', email: 'root@example.com' });
  await graphql(gateway.url, '{ me { id } }', { token: admin });
  const { body } = await graphql(gateway.url, ADMIN_QUERY, { token: admin });
  expect(body.data.users.nodes).toContainEqual({ id: 'root', email: 'root@example.com' });
  const call = proxy.received.find((r) => r.body.includes('users(first:100)'))!;
  captured = { identity: String(call.headers[IDENTITY_HEADER]), signature: String(call.headers[SIGNATURE_HEADER]), body: call.body };
});
afterAll(async () => {
  await gateway?.server.stop();
  await Promise.all([proxy?.close(), todosProxy?.close()]);
  await Promise.all([users?.stop(), todos?.stop()]);
  await Promise.all([usersStorage.cleanup(), todosStorage.cleanup()]);
});

describe('a captured gateway signature', () => {
  it('(a) does not vouch for another body: an addTodo to todos is refused with 401', async () => {
    refused(await send(todos.url, captured, ADD_TODO));
    const mine = await graphql(gateway.url, '{ todos { nodes { title } } }', { token: await token('root', { scope: 'admin' }) });
    expect(mine.body.data.todos.nodes).toEqual([]);
  });

  it('(a) nor for another body to the same subgraph', async () => {
    refused(await send(users.url, captured, JSON.stringify({ query: '{ users(first: 1) { nodes { id email } } }' })));
  });

  it('(b) does not vouch for the same body at another subgraph', async () => {
    refused(await send(todos.url, captured, captured.body));
  });

  it('(c) does not vouch for another path or method', async () => {
    refused(await send(new URL('/', users.url).href, captured, captured.body));
    refused(await send(`${users.url}?x=1`, captured, captured.body));
    refused(await send(`${users.url}?query=${encodeURIComponent(ADMIN_QUERY)}`, captured, undefined, 'GET'));
  });

  it('(f) the unchanged query, replayed within its lifetime, is answered: it only repeats what it asked', async () => {
    expect(captured.signature).not.toMatch(/,n=/);
    for (let i = 0; i < 3; i++) {
      const { status, body } = await send(users.url, captured, captured.body);
      expect(status).toBe(200);
      expect(body.data.users.nodes).toContainEqual({ id: 'root', email: 'root@example.com' });
    }
  });
});

describe('the signature lifetime, on a correctly signed request', () => {
  const identity: Identity = { sub: 'root', scopes: ['admin'] };
  const signedAt = (at: number) => {
    const headers = signRequest({ identity, method: 'POST', audience: 'users', path: '/graphql', body: captured.body }, SUBGRAPH_SECRET, at);
    return { identity: headers[IDENTITY_HEADER], signature: headers[SIGNATURE_HEADER] };
  };

  it('(d) refuses a timestamp more than 5 s in the future, accepts one within the skew', async () => {
    refused(await send(users.url, signedAt(now() + 60), captured.body));
    refused(await send(users.url, signedAt(now() + 7), captured.body));
    expect((await send(users.url, signedAt(now() + 3), captured.body)).status).toBe(200);
  });

  it('(e) refuses a signature older than 30 s, accepts a younger one', async () => {
    refused(await send(users.url, signedAt(now() - 32), captured.body));
    refused(await send(users.url, signedAt(now() - 3600), captured.body));
    expect((await send(users.url, signedAt(now() - 20), captured.body)).status).toBe(200);
  });

  it('refuses a signature from another key (a subgraph cannot sign with the public key it holds)', async () => {
    const headers = signRequest({ identity, method: 'POST', audience: 'users', path: '/graphql', body: captured.body }, 'some-other-secret-0123456789');
    refused(await send(users.url, { identity: headers[IDENTITY_HEADER], signature: headers[SIGNATURE_HEADER] }, captured.body));
  });
});

describe('mutations are single-use', () => {
  const titlesOf = async (sub: string) => {
    const { body } = await graphql(gateway.url, '{ todos(first: 100) { nodes { title } } }', { token: await token(sub) });
    return (body.data.todos.nodes as Array<{ title: string }>).map((t) => t.title);
  };
  const callsTo = (body: string) => todosProxy.received.filter((r) => r.body.includes(body));

  it('an addTodo captured between gateway and subgraph, replayed 20 times within its lifetime, is refused and stores nothing', async () => {
    const { body } = await graphql(gateway.url, 'mutation { addTodo(input: { title: "once" }) { id } }', { token: await token('replayer') });
    expect(body.errors).toBeUndefined();
    const [call] = callsTo('once');
    const headers = { identity: String(call.headers[IDENTITY_HEADER]), signature: String(call.headers[SIGNATURE_HEADER]) };
    expect(headers.signature).toMatch(/^t=\d+,k=[\w-]{11},n=[\w-]{22},v2=[\w-]{86}$/);
    for (let i = 0; i < 20; i++) refused(await send(todos.url, headers, call.body));
    expect(await titlesOf('replayer')).toEqual(['once']);
  });

  it('identical addTodo requests through the gateway in the same second all succeed, each with its own nonce', async () => {
    const alice = await token('same-second');
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => graphql(gateway.url, 'mutation { addTodo(input: { title: "twin" }) { id } }', { token: alice })),
    );
    for (const { status, body } of answers) {
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
    }
    const signatures = callsTo('twin').map((r) => String(r.headers[SIGNATURE_HEADER]));
    expect(signatures).toHaveLength(5);
    expect(new Set(signatures.map((s) => /,n=([\w-]+)/.exec(s)?.[1])).size).toBe(5);
    // Five calls within milliseconds: at least two share a second, where a query's signature would be reused.
    expect(new Set(signatures.map((s) => s.split(',')[0])).size).toBeLessThan(5);
    expect(await titlesOf('same-second')).toEqual(['twin', 'twin', 'twin', 'twin', 'twin']);
  });

  it('a mutation correctly signed but without a nonce is refused by the subgraph, and stores nothing', async () => {
    const identity: Identity = { sub: 'no-nonce', scopes: [] };
    const body = JSON.stringify({ query: 'mutation { addTodo(input: { title: "unsigned once" }) { id } }' });
    const sign = (singleUse: boolean) => {
      const headers = signRequest({ identity, method: 'POST', audience: 'todos', path: '/graphql', body, singleUse }, SUBGRAPH_SECRET);
      return { identity: headers[IDENTITY_HEADER], signature: headers[SIGNATURE_HEADER] };
    };
    refused(await send(todos.url, sign(false), body));
    // Nor hidden behind a query in the same document: the operation run is what counts.
    const mixed = JSON.stringify({ query: 'query Q { __typename } mutation M { addTodo(input: { title: "unsigned once" }) { id } }', operationName: 'M' });
    const mixedHeaders = signRequest({ identity, method: 'POST', audience: 'todos', path: '/graphql', body: mixed }, SUBGRAPH_SECRET);
    refused(await send(todos.url, { identity: mixedHeaders[IDENTITY_HEADER], signature: mixedHeaders[SIGNATURE_HEADER] }, mixed));
    expect(await titlesOf('no-nonce')).toEqual([]);
    // The same request signed single-use is accepted, once.
    const once = sign(true);
    const accepted = await send(todos.url, once, body);
    expect(accepted.status).toBe(200);
    expect(accepted.body.data.addTodo.id).toBeTruthy();
    refused(await send(todos.url, once, body));
    expect(await titlesOf('no-nonce')).toEqual(['unsigned once']);
  });
});
