import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, startGateway, startStack, token, type Stack } from '../helpers/stack.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';

// Through the gateway: retries for queries only, and a circuit breaker that opens after 4 failures in a row
// (no start-up grace: the subgraph never answered this gateway before it fails).
let stack: Stack;
let proxy: FaultProxy;
let gateway: Awaited<ReturnType<typeof startGateway>>;

beforeAll(async () => {
  stack = await startStack();
  proxy = await startFaultProxy(stack.todos.url);
  gateway = await startGateway(
    { users: stack.users.url, todos: proxy.url },
    { resilience: { retries: 2, retryBaseDelayMs: 1, circuitBreaker: { failureThreshold: 4, coolDownMs: 60_000, startupGraceMs: 0 } }, cache: { enabled: false } },
  );
});
afterAll(async () => {
  await gateway?.server.stop();
  await proxy?.close();
  await stack?.stop();
});

describe('subgraph resilience through the gateway', () => {
  it('retries a query (3 attempts), never a mutation, then opens the circuit and fails fast', async () => {
    const bearer = await token('resilient-rae');
    proxy.mode = { kind: 'status', status: 503 };
    const before = proxy.received.length;
    const query = await graphql(gateway.url, '{ todos { nodes { id } } }', { token: bearer });
    expect(query.body.errors?.[0].extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'todos' });
    expect(proxy.received.length - before).toBe(3);

    const mutationBefore = proxy.received.length;
    const mutation = await graphql(gateway.url, 'mutation { addTodo(input: { title: "once" }) { id } }', { token: bearer });
    expect(mutation.body.errors?.[0].extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
    expect(proxy.received.length - mutationBefore).toBe(1);

    // Four failures so far (3 attempts + 1): the circuit is open, nothing reaches the subgraph.
    proxy.mode = { kind: 'pass' };
    const openBefore = proxy.received.length;
    const fast = await graphql(gateway.url, '{ todos { nodes { id } } }', { token: bearer });
    expect(fast.body.errors?.[0].message).toContain('CIRCUIT_OPEN');
    expect(proxy.received.length).toBe(openBefore);
  });
});
