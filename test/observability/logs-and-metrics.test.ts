import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createPorticoServer, type PorticoServer } from '../../src/server/create-server.js';
import { gatewayConfig, graphql, JWT_SECRET, startGateway, startStack, SUBGRAPH_SECRET, token, type Stack } from '../helpers/stack.js';

let stack: Stack;
let server: PorticoServer;
let url: string;
let metricsUrl: string;
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
  const started = await server.start();
  url = started.url;
  metricsUrl = started.metricsUrl!;
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

describe('GET /metrics, on a listener of its own', () => {
  it('exposes requests by operation and outcome, refusals, cache results and process metrics', async () => {
    const bearer = await token('metrics-ned');
    await graphql(url, 'query Mine { todos { nodes { id } } }', { token: bearer });
    await graphql(url, 'query Mine { todos { nodes { id } } }', { token: bearer });
    const response = await fetch(metricsUrl);
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
    const text = await (await fetch(metricsUrl)).text();
    expect(text.match(/portico_requests_total\{operation="anonymous"/g)?.length).toBeLessThanOrEqual(3);
  });
});

describe('where metrics are served', () => {
  it('serves them on loopback, on a port other than the GraphQL port, which does not serve them', async () => {
    const metrics = new URL(metricsUrl);
    expect(metrics.hostname).toBe('127.0.0.1');
    expect(metrics.port).not.toBe(new URL(url).port);
    const onMain = await fetch(url.replace(/\/graphql$/, '/metrics'));
    expect(onMain.status).toBe(404);
    expect(await onMain.json()).toEqual({ errors: [{ message: 'No route for /metrics', extensions: { code: 'NOT_FOUND' } }] });
    // The metrics listener serves nothing else: no GraphQL, no purge.
    expect((await fetch(new URL('/graphql', metricsUrl), { method: 'POST' })).status).toBe(404);
    expect((await fetch(metricsUrl, { method: 'POST' })).status).toBe(405);
  });

  it('defaults to 127.0.0.1:9090, as Apollo Router does', () => {
    const config = loadConfig({ env: {}, file: '/dev/null' });
    expect(config.metrics).toEqual({ host: '127.0.0.1', port: 9090, onMainPort: false });
    expect(loadConfig({ env: { PORTICO_METRICS_PORT: '9464', PORTICO_METRICS_HOST: '0.0.0.0' }, file: '/dev/null' }).metrics).toMatchObject({ host: '0.0.0.0', port: 9464 });
  });

  it('with metrics.onMainPort, serves them on the GraphQL port and opens no listener', async () => {
    const gateway = await startGateway({ users: stack.users.url, todos: stack.todos.url }, { metrics: { onMainPort: true } });
    try {
      expect(gateway.metricsUrl).toBe(gateway.url.replace(/\/graphql$/, '/metrics'));
      await graphql(gateway.url, 'query OnMain { __typename }');
      const text = await (await fetch(gateway.metricsUrl!)).text();
      expect(text).toMatch(/portico_requests_total\{operation="OnMain",type="query",outcome="ok"\} 1/);
    } finally {
      await gateway.server.stop();
    }
  });

  it('refuses to start when the metrics port is taken, naming it', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      await expect(startGateway({ users: stack.users.url, todos: stack.todos.url }, { metrics: { port } })).rejects.toThrow(
        `metrics listener on http://127.0.0.1:${port} could not start (EADDRINUSE)`,
      );
    } finally {
      taken.close();
    }
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
