import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPorticoServer, type PorticoServer } from '../../src/server/create-server.js';
import { gatewayConfig, graphql, JWT_SECRET, startStack, SUBGRAPH_SECRET, token, type Stack } from '../helpers/stack.js';

let stack: Stack;
let server: PorticoServer;
let url: string;
const lines: string[] = [];

beforeAll(async () => {
  stack = await startStack();
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const config = gatewayConfig({ users: stack.users.url, todos: stack.todos.url }, { logging: { level: 'info' } });
  server = createPorticoServer(config, pino({ level: 'info' }, sink));
  url = (await server.start()).url;
});
afterAll(async () => {
  await server?.stop();
  await stack?.stop();
});

const requestLines = () => lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');

describe('request logs', () => {
  it('write one line per request with its id, operation, status, client, cost, cache status and error codes', async () => {
    const bearer = await token('log-liz');
    const ok = await graphql(url, 'query Mine { todos { nodes { id } } }', { token: bearer, headers: { 'x-request-id': 'req-123' } });
    expect(ok.headers.get('x-request-id')).toBe('req-123');
    await graphql(url, 'query Mine { todos { nodes { id } } }', { token: 'not-a-token' });
    const logged = requestLines();
    const first = logged.find((l) => l.requestId === 'req-123');
    expect(first).toMatchObject({ status: 200, operationName: 'Mine', operationType: 'query', client: 'sub:log-liz', cache: 'MISS', cost: { estimated: 21 } });
    expect(typeof first.durationMs).toBe('number');
    expect(logged.find((l) => l.status === 401)).toMatchObject({ errorCodes: ['UNAUTHENTICATED'] });
  });

  it('never contain a token, a secret or a signature', async () => {
    const bearer = await token('log-max', { scope: 'admin' });
    await graphql(url, '{ me { name } }', { token: bearer });
    await graphql(url, '{ me { name } }', { token: `${bearer.slice(0, -3)}xyz` });
    const text = lines.join('\n');
    expect(text).not.toContain(bearer.split('.')[2]);
    expect(text).not.toContain(bearer.slice(0, -3));
    expect(text).not.toContain(JWT_SECRET);
    expect(text).not.toContain(SUBGRAPH_SECRET);
    expect(text).not.toMatch(/v1=[A-Za-z0-9_-]{20,}/);
  });
});

describe('GET /metrics', () => {
  it('exposes requests by operation and outcome, refusals, cache results and process metrics', async () => {
    const bearer = await token('metrics-ned');
    await graphql(url, 'query Mine { todos { nodes { id } } }', { token: bearer });
    await graphql(url, 'query Mine { todos { nodes { id } } }', { token: bearer });
    const response = await fetch(url.replace(/\/graphql$/, '/metrics'));
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(/portico_requests_total\{operation="Mine",type="query",outcome="ok"\} \d+/);
    expect(text).toMatch(/portico_authentication_failures_total [1-9]/);
    expect(text).toMatch(/portico_cache_total\{result="hit"\} [1-9]/);
    expect(text).toMatch(/portico_estimated_cost_bucket/);
    expect(text).toMatch(/portico_subgraph_fetches_total\{subgraph="todos",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/portico_subgraph_fetch_duration_seconds_count\{subgraph="todos"\} [1-9]/);
    expect(text).toMatch(/portico_process_resident_memory_bytes/);
  });

  it('keeps one label value for anonymous operations, however many documents', async () => {
    for (let i = 0; i < 5; i++) await graphql(url, `{ a${i}: __typename }`);
    const text = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
    expect(text.match(/portico_requests_total\{operation="anonymous"/g)?.length).toBeLessThanOrEqual(3);
  });
});

describe('readiness', () => {
  it('is not ready while a configured store does not answer', async () => {
    const broken = createPorticoServer(
      gatewayConfig({ users: stack.users.url, todos: stack.todos.url }, { redisUrl: 'redis://127.0.0.1:1' }),
      pino({ level: 'silent' }),
    );
    const started = await broken.start();
    const base = started.url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    expect((await fetch(`${base}/health/ready`)).status).toBe(503);
    await broken.stop();
  });
});
