import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingProxy } from '../helpers/recording-proxy.js';
import { graphql, startGateway, startStack, token, type Stack } from '../helpers/stack.js';

interface ExportedSpan {
  name: string;
  traceId: string;
}

let collector: Server;
const spans: ExportedSpan[] = [];
let stack: Stack;
let proxy: Awaited<ReturnType<typeof recordingProxy>>;
let gateway: Awaited<ReturnType<typeof startGateway>>;

beforeAll(async () => {
  // A stand-in OpenTelemetry collector: OTLP/HTTP with JSON bodies.
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: { scopeSpans: { spans: ExportedSpan[] }[] }[];
      };
      for (const r of body.resourceSpans) for (const s of r.scopeSpans) spans.push(...s.spans);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`;
  stack = await startStack();
  proxy = await recordingProxy(stack.users.url);
  gateway = await startGateway({ users: proxy.url, todos: stack.todos.url }, { tracing: { endpoint } });
});
afterAll(async () => {
  await gateway?.server.stop();
  await proxy?.close();
  await stack?.stop();
  await new Promise<void>((r) => collector.close(() => r()));
});

describe('tracing', () => {
  it('exports spans for the request, parsing, validation, planning and each subgraph fetch, in the caller’s trace', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const tom = await token('trace-tom');
    await graphql(gateway.url, 'mutation { addTodo(input: { title: "traced" }) { id } }', { token: tom });
    const { status } = await graphql(gateway.url, '{ todos { nodes { title owner { name } } } }', {
      token: tom,
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(status).toBe(200);
    const deadline = Date.now() + 10_000;
    const names = () => new Set(spans.filter((s) => s.traceId === traceId).map((s) => s.name));
    // Spans are exported in batches: the request's, which ends last, may come in a later one.
    const expected = ['portico.request', 'portico.parse', 'portico.validate', 'gateway.plan', 'gateway.fetch'];
    while (!expected.every((name) => names().has(name)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect([...names()]).toEqual(expect.arrayContaining(expected));
    // The users subgraph was called in the same trace (W3C traceparent).
    expect(proxy.received.some((r) => String(r.headers.traceparent).startsWith(`00-${traceId}-`))).toBe(true);
  });
});
