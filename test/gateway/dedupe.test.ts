import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeduplication } from '../../src/gateway/dedupe.js';
import { createSubgraphHttp } from '../../src/gateway/fetcher.js';
import { IDENTITY_HEADER, SIGNATURE_HEADER } from '../../src/identity/signed-identity.js';
import { recordingProxy } from '../helpers/recording-proxy.js';
import { graphql, startGateway, startStack, token, type Stack } from '../helpers/stack.js';

describe('deduplicated subgraph calls', () => {
  let server: Server;
  let url: string;
  let calls = 0;
  const http = createSubgraphHttp();
  beforeAll(async () => {
    // A subgraph stand-in that answers slowly, so that calls overlap.
    server = createServer((req, res) => {
      calls++;
      req.resume();
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ data: { call: calls, todos: [{ id: 'todo-1' }] } }));
      }, 50);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    await http.close();
    await new Promise((resolve) => server.close(resolve));
  });

  const send = (fetcher: ReturnType<ReturnType<typeof createDeduplication>['fetcher']>, body: string, headers: Record<string, string> = {}) =>
    fetcher(url, { method: 'POST', headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: 'ann', ...headers }, body }).then((r: { json(): Promise<unknown> }) => r.json());
  const query = JSON.stringify({ query: 'query Todos__todos__0{todos{id}}' });

  it('sends identical queries in flight once, and gives each caller its own copy', async () => {
    const fetcher = createDeduplication().fetcher(http.fetcher());
    calls = 0;
    // Request ids and signatures differ from call to call; they do not change the answer.
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => send(fetcher, query, { 'x-request-id': `r${i}`, [SIGNATURE_HEADER]: `t=${i}` })),
    );
    expect(calls).toBe(1);
    expect(new Set(answers.map((a: unknown) => JSON.stringify(a))).size).toBe(1);
    (answers[0] as any).data.todos[0].id = 'changed by one request';
    expect((answers[1] as any).data.todos[0].id).toBe('todo-1');
  });

  it('never shares between callers, between different queries, with mutations, or once a call is done', async () => {
    const fetcher = createDeduplication().fetcher(http.fetcher());
    calls = 0;
    await Promise.all([send(fetcher, query), send(fetcher, query, { [IDENTITY_HEADER]: 'bo' })]);
    expect(calls).toBe(2);
    calls = 0;
    await Promise.all([send(fetcher, query), send(fetcher, JSON.stringify({ query: 'query Todos__todos__0{todos{id title}}' }))]);
    expect(calls).toBe(2);
    calls = 0;
    const mutation = JSON.stringify({ query: 'mutation Add__todos__0{addTodo(input:{title:"x"}){id}}' });
    await Promise.all([send(fetcher, mutation), send(fetcher, mutation), send(fetcher, mutation)]);
    expect(calls).toBe(3);
    calls = 0;
    await send(fetcher, query);
    await send(fetcher, query);
    expect(calls).toBe(2);
  });

  it('never lets a query join a call that started before a mutation was sent, to any subgraph', async () => {
    const deduplication = createDeduplication();
    const todos = deduplication.fetcher(http.fetcher());
    const users = deduplication.fetcher(http.fetcher());
    calls = 0;
    const before = send(todos, query);
    await send(users, JSON.stringify({ query: 'mutation Rename__users__0{rename(name:"x"){id}}' }));
    const after = send(todos, query);
    await Promise.all([before, after]);
    expect(calls).toBe(3);
  });
});

describe('deduplication through the gateway', () => {
  let stack: Stack;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    stack = await startStack();
    proxy = await recordingProxy(stack.todos.url, { delayMs: 150 });
    // Without the response cache, which would coalesce these requests before any subgraph call.
    gateway = await startGateway({ users: stack.users.url, todos: proxy.url }, { cache: { enabled: false } });
  });
  afterAll(async () => {
    await gateway?.server.stop();
    await proxy?.close();
    await stack?.stop();
  });

  const LIST = '{ todos(first: 10) { nodes { title owner { name } } } }';
  const titles = (r: { body: { data?: any } }) => r.body.data.todos.nodes.map((t: { title: string }) => t.title).sort();
  const queriesReceived = () => proxy.received.filter((r) => r.body.startsWith('{"query":"query') || r.body.startsWith('{"query":"{')).length;

  it('answers concurrent identical requests of one caller with one subgraph call, and keeps callers apart', async () => {
    const [ann, bo] = await Promise.all([token('dedupe-ann', { name: 'Ann' }), token('dedupe-bo', { name: 'Bo' })]);
    await graphql(gateway.url, 'mutation { addTodo(input: { title: "ann’s" }) { id } }', { token: ann });
    await graphql(gateway.url, 'mutation { addTodo(input: { title: "bo’s" }) { id } }', { token: bo });

    const before = queriesReceived();
    const answers = await Promise.all(Array.from({ length: 8 }, () => graphql(gateway.url, LIST, { token: ann })));
    for (const answer of answers) expect(titles(answer)).toEqual(['ann’s']);
    expect(queriesReceived() - before).toBe(1);

    const mixed = await Promise.all([ann, bo, ann, bo].map((t) => graphql(gateway.url, LIST, { token: t })));
    expect(mixed.map(titles)).toEqual([['ann’s'], ['bo’s'], ['ann’s'], ['bo’s']]);
  });

  it('sends every mutation, even identical ones at the same time', async () => {
    const cy = await token('dedupe-cy');
    const added = await Promise.all(Array.from({ length: 3 }, () => graphql(gateway.url, 'mutation { addTodo(input: { title: "same" }) { id } }', { token: cy })));
    expect(new Set(added.map((r) => r.body.data.addTodo.id)).size).toBe(3);
    expect(titles(await graphql(gateway.url, LIST, { token: cy }))).toEqual(['same', 'same', 'same']);
  });
});

describe('deduplication and the response cache', () => {
  let stack: Stack;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  const isQuery = (body: string) => body.startsWith('{"query":"query') || body.startsWith('{"query":"{');
  beforeAll(async () => {
    stack = await startStack();
    // The todos subgraph's answers to queries come back late, so that later requests find them in flight.
    proxy = await recordingProxy(stack.todos.url, { holdMs: (body) => (isQuery(body) ? 400 : 0) });
    gateway = await startGateway({ users: stack.users.url, todos: proxy.url });
  });
  afterAll(async () => {
    await gateway?.server.stop();
    await proxy?.close();
    await stack?.stop();
  });

  // Two documents the gateway caches apart that send the todos subgraph the same query.
  const A = '{ todos(first: 10) { nodes { title } } }';
  const B = '{ todos(first: 10) {  nodes { title } } }';
  const titles = (r: { body: { data?: any } }) => r.body.data.todos.nodes.map((t: { title: string }) => t.title).sort();
  const add = (bearer: string, title: string) => graphql(gateway.url, `mutation { addTodo(input: { title: "${title}" }) { id } }`, { token: bearer });

  it('a read after a write never gets an answer fetched before the write', async () => {
    const ann = await token('dedupe-stale-ann');
    await add(ann, 'one');
    const first = graphql(gateway.url, A, { token: ann });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await add(ann, 'two');
    const second = await graphql(gateway.url, B, { token: ann });
    expect(titles(second)).toEqual(['one', 'two']);
    expect(titles(await graphql(gateway.url, B, { token: ann }))).toEqual(['one', 'two']);
    await first;
  });

  it('does not store an answer built on a call another request started', async () => {
    const bo = await token('dedupe-store-bo');
    await add(bo, 'only');
    const received = proxy.received.length;
    const first = graphql(gateway.url, A, { token: bo });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [a, b] = await Promise.all([first, graphql(gateway.url, B, { token: bo })]);
    expect(proxy.received.length - received).toBe(1);
    expect([a.headers.get('x-cache'), b.headers.get('x-cache')]).toEqual(['MISS', 'MISS']);
    // The first request's own fetch is stored; the one that joined it is not (it may predate that request).
    expect((await graphql(gateway.url, A, { token: bo })).headers.get('x-cache')).toBe('HIT');
    expect((await graphql(gateway.url, B, { token: bo })).headers.get('x-cache')).toBe('MISS');
    expect((await graphql(gateway.url, B, { token: bo })).headers.get('x-cache')).toBe('HIT');
  });
});
