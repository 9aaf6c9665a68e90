import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { freePort } from '../../scripts/free-port.js';
import { createSubgraphHealth, subgraphNames } from '../../src/observability/subgraph-health.js';
import { waitUntilReady } from '../../scripts/wait-ready.js';
import { startTodosSubgraph } from '../../subgraphs/todos/index.js';
import { startUsersSubgraph } from '../../subgraphs/users/index.js';
import type { RunningSubgraph } from '../../subgraphs/runtime/index.js';
import { graphql, silentLogger, startGateway, SUBGRAPH_PUBLIC_KEYS, token } from '../helpers/stack.js';
import { testStorage, type TestStorage } from '../subgraphs/storage-fixture.js';

// A gateway that starts before one of its subgraphs, as `npm start` does: the first calls fail, but the
// subgraph's circuit stays closed while it has never answered, so the first query after "ready" works.

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function gatewayBeforeTodos(resilience: Record<string, unknown> = {}) {
  const storages: TestStorage[] = [testStorage('users', { inMemory: true }), testStorage('todos', { inMemory: true })];
  cleanup.push(async () => void (await Promise.all(storages.map((s) => s.cleanup()))));
  const common = { gatewayKeys: SUBGRAPH_PUBLIC_KEYS, logger: silentLogger };
  const users = await startUsersSubgraph({ ...common, port: 0, storage: storages[0].options });
  cleanup.push(() => users.stop());
  const todosPort = await freePort();
  const gateway = await startGateway(
    { users: users.url, todos: `http://127.0.0.1:${todosPort}/graphql` },
    { cache: { enabled: false }, resilience: { retryBaseDelayMs: 1, retryMaxDelayMs: 5, ...resilience } },
  );
  cleanup.push(() => gateway.server.stop());
  const base = new URL(gateway.url).origin;
  let todos: RunningSubgraph | undefined;
  cleanup.push(async () => todos?.stop());
  return {
    gateway,
    base,
    startTodos: async () => void (todos = await startTodosSubgraph({ ...common, port: todosPort, storage: storages[1].options })),
  };
}

const TODOS = '{ todos { nodes { id } } }';
const health = async (base: string) => {
  const response = await fetch(`${base}/health/subgraphs`);
  return { status: response.status, body: (await response.json()) as { status: string; subgraphs: Record<string, { state: string; circuit: string }> } };
};

describe('start-up: a gateway before its subgraphs', () => {
  it('keeps a never-answered subgraph’s circuit closed, reports it down, and serves as soon as it is up', async () => {
    const { gateway, base, startTodos } = await gatewayBeforeTodos({ circuitBreaker: { failureThreshold: 2 } });
    const bearer = await token('early-eve');
    // Many more failures in a row than the threshold: each is SUBGRAPH_UNAVAILABLE, none opens the circuit.
    for (let i = 0; i < 4; i++) {
      const early = await graphql(gateway.url, TODOS, { token: bearer });
      expect(early.body.errors?.[0].extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'todos' });
      expect(early.body.errors?.[0].message).not.toContain('CIRCUIT_OPEN');
    }
    // /health/ready keeps its meaning (the gateway itself); /health/subgraphs says who is missing.
    expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    const before = await health(base);
    expect(before.status).toBe(503);
    expect(before.body.status).toBe('degraded');
    expect(before.body.subgraphs.users).toMatchObject({ state: 'up', circuit: 'closed' });
    expect(before.body.subgraphs.todos).toMatchObject({ state: 'down', circuit: 'closed' });

    await startTodos();
    const state = await waitUntilReady(base, { timeoutMs: 30_000, intervalMs: 50 });
    expect(Object.keys(state.subgraphs).sort()).toEqual(['todos', 'users']);
    const first = await graphql(gateway.url, TODOS, { token: bearer });
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data.todos.nodes).toEqual([]);
    const after = await health(base);
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ status: 'up', subgraphs: { todos: { state: 'up' }, users: { state: 'up' } } });
  });

  it('without a start-up grace the circuit opens, and /health/subgraphs says "circuit-open"', async () => {
    const { gateway, base, startTodos } = await gatewayBeforeTodos({ circuitBreaker: { failureThreshold: 2, startupGraceMs: 0, coolDownMs: 60_000 } });
    const bearer = await token('early-eve');
    await graphql(gateway.url, TODOS, { token: bearer });
    const fast = await graphql(gateway.url, TODOS, { token: bearer });
    expect(fast.body.errors?.[0].message).toContain('CIRCUIT_OPEN');
    await startTodos();
    const report = await health(base);
    expect(report.status).toBe(503);
    // Reachable again, but the gateway still fails its calls until the cool-down's probe.
    expect(report.body.subgraphs.todos).toMatchObject({ state: 'circuit-open', circuit: 'open', reachable: true });
  });

  it('waitUntilReady names what it still waits for when it gives up', async () => {
    const { base } = await gatewayBeforeTodos();
    await expect(waitUntilReady(base, { timeoutMs: 300, intervalMs: 50 })).rejects.toThrow(/waiting for todos \(down\)/);
  });
});

describe('subgraph health after a supergraph change', () => {
  it('lists only the subgraphs of the current supergraph', async () => {
    expect(subgraphNames(readFileSync('schema/supergraph.graphql', 'utf8'))).toEqual(['todos', 'users']);
    const health = createSubgraphHealth();
    const answering = async () => new Response('{}', { status: 200 });
    health.track('todos', 'http://todos.test/graphql', () => 'closed', answering as never);
    health.track('users', 'http://users.test/graphql', () => 'closed', answering as never);
    health.keep(['users']);
    expect(Object.keys(await health.report())).toEqual(['users']);
  });
});
