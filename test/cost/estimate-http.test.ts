// The estimate covers what executes, work above it is charged, and `measure` mode refuses nothing:
// through the real gateway over HTTP, on the demo graph and on the products graph.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProductsGraph, type ProductsGraph } from '../fixtures/products-graph.js';
import { graphql, startGateway, startStack, token, type Stack } from '../helpers/stack.js';

describe('the estimate uses the variables as execution sees them (demo graph)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.stop());

  it('counts variable defaults for slicing arguments and @include: 1 + 100 × (1 + owner 2) = 301, not 0', async () => {
    const query = 'query($n: Int = 100, $v: Boolean = true) { todos(first: $n) @include(if: $v) { nodes { id owner { name } } } }';
    const { body } = await graphql(stack.url, query, { token: await token('vera') });
    expect(body.errors).toBeUndefined();
    expect(body.extensions?.cost.requestedQueryCost).toBe(301);
  });

  it('refuses before any subgraph call an operation that is expensive only through its defaults', async () => {
    // 1 + 100 × (1 + 2 + (1 + 100 × 1)) = 10401 > 1000 (the defaults ignored: 1 + 20 × (3 + 21) = 481, let through).
    const query = 'query($n: Int = 100) { todos(first: $n) { nodes { owner { todos(first: $n) { nodes { id } } } } } }';
    const before = stack.todos.db.stats.queries;
    const { status, body } = await graphql(stack.url, query, { token: await token('walt') });
    expect(status).toBe(400);
    expect(body.errors?.[0].extensions).toMatchObject({ code: 'COST_ESTIMATED_TOO_EXPENSIVE', cost: { estimated: 10401 } });
    expect(stack.todos.db.stats.queries).toBe(before);
  });

  it('lets sent variables override the defaults, and an explicit null fall back to the assumed size', async () => {
    const query = 'query($n: Int = 100, $v: Boolean = true) { todos(first: $n) @include(if: $v) { nodes { id owner { name } } } }';
    const xena = await token('xena');
    expect((await graphql(stack.url, query, { token: xena, variables: { v: false } })).body.extensions?.cost.requestedQueryCost).toBe(0);
    expect((await graphql(stack.url, query, { token: xena, variables: { n: 2 } })).body.extensions?.cost.requestedQueryCost).toBe(7);
    // first: null reaches the subgraph, which pages by its default: the assumed 20 → 1 + 20 × 3.
    expect((await graphql(stack.url, query, { token: xena, variables: { n: null } })).body.extensions?.cost.requestedQueryCost).toBe(61);
  });

  it('keeps the whole estimate of an answer with errors: a null that propagated up hides the work done below it', async () => {
    const gateway = await startGateway({ users: stack.users.url, todos: stack.todos.url }, { cost: { budgets: { capacity: 1000, restoreRate: 0.001 } } });
    try {
      const zed = await token('zed');
      await graphql(gateway.url, 'mutation { addTodo(input: { title: "one" }) { id } }', { token: zed }); // 10
      // todos(first: 100) runs; b: todos(first: -1) fails, and its non-null root nulls all of data.
      // Estimate 1 + 100 × 1 + 1 + 0 = 102; the actual cost of `data: null` is 0, yet nothing is given back.
      const query = '{ todos(first: 100) { nodes { id } } b: todos(first: -1) { nodes { id } } }';
      const { body } = await graphql(gateway.url, query, { token: zed });
      expect(body.data).toBeNull();
      expect(body.extensions?.cost).toMatchObject({ requestedQueryCost: 102, actualQueryCost: 0 });
      expect(body.extensions?.cost.throttleStatus.currentlyAvailable).toBe(1000 - 10 - 102);
    } finally {
      await gateway.server.stop();
    }
  });

  it('counts a @skip whose variable defaults to false', async () => {
    const query = 'query($s: Boolean! = false) { me { name } todos @skip(if: $s) { nodes { id } } }';
    // me 1 + todos (1 + 20 × 1).
    const { body } = await graphql(stack.url, query, { token: await token('yuri') });
    expect(body.extensions?.cost.requestedQueryCost).toBe(22);
  });
});

describe('on a graph without @listSize (products)', () => {
  let graph: ProductsGraph;
  const gateways: Array<Awaited<ReturnType<typeof startGateway>>> = [];
  const start = async (cost: Record<string, unknown>) => {
    const gateway = await startGateway(graph.urls, { supergraph: { path: graph.supergraphPath }, authorization: { policies: {} }, cost });
    gateways.push(gateway);
    return gateway;
  };
  beforeAll(async () => {
    graph = await startProductsGraph();
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.server.stop()));
    await graph?.stop();
  });

  it('charges work above the estimate: an assumed size of 1 for 3 reviews takes 3 points, not 1', async () => {
    const gateway = await start({ defaultListSize: 1, learnListSizes: { enabled: false }, budgets: { capacity: 100, restoreRate: 0.001 } });
    const alice = await token('alice');
    const first = await graphql(gateway.url, '{ reviews { id } }', { token: alice });
    expect(first.body.extensions?.cost).toMatchObject({ requestedQueryCost: 1, actualQueryCost: 3 });
    expect(first.body.extensions?.cost.throttleStatus.currentlyAvailable).toBe(97);
    // The same mistake again costs the work again.
    const second = await graphql(gateway.url, '{ reviews { id } }', { token: alice });
    expect(second.body.extensions?.cost.throttleStatus.currentlyAvailable).toBe(94);
  });

  it('lets a budget go below zero for work done, so the client waits for it', async () => {
    // 10 points; each request estimated 1 × (1 + author 1) = 2 and costing 3 × 2 = 6: 10 - 6 = 4, 4 - 6 = -2, then 2 > -2.
    const gateway = await start({ defaultListSize: 1, learnListSizes: { enabled: false }, budgets: { capacity: 10, restoreRate: 0.001 } });
    const bob = await token('bob');
    const query = '{ reviews { id author { id } } }';
    expect((await graphql(gateway.url, query, { token: bob })).body.extensions?.cost.throttleStatus.currentlyAvailable).toBe(4);
    expect((await graphql(gateway.url, query, { token: bob })).body.extensions?.cost.throttleStatus.currentlyAvailable).toBe(-2);
    const refused = await graphql(gateway.url, query, { token: bob });
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0].extensions?.code).toBe('THROTTLED');
  });

  it('in measure mode reports what enforce would refuse, and refuses nothing', async () => {
    const gateway = await start({ mode: 'measure', maxCost: 5, learnListSizes: { enabled: false }, budgets: { capacity: 50, restoreRate: 0.001 } });
    // books 10 × (1 + reviews 10 × 1) = 110: above the ceiling (5) and the capacity (50).
    const { status, body } = await graphql(gateway.url, '{ books { reviews { body } } }');
    expect(status).toBe(200);
    expect(body.data.books).toHaveLength(2);
    expect(body.extensions?.cost).toMatchObject({ mode: 'measure', requestedQueryCost: 110, actualQueryCost: 5, wouldRefuse: { code: 'COST_ESTIMATED_TOO_EXPENSIVE' } });
    const metrics = await (await fetch(gateway.metricsUrl!)).text();
    expect(metrics).toMatch(/portico_cost_would_refuse_total\{code="COST_ESTIMATED_TOO_EXPENSIVE"\} 1/);
  });

  it('in measure mode reports a would-be throttle once the budget is spent', async () => {
    const gateway = await start({ mode: 'measure', learnListSizes: { enabled: false }, budgets: { capacity: 12, restoreRate: 0.001 } });
    const carol = await token('carol');
    // reviews 10 × 1 = 10 estimated, 3 actual: 12 - 3 = 9 left, then 10 > 9.
    const first = await graphql(gateway.url, '{ reviews { id } }', { token: carol });
    expect(first.body.extensions?.cost.wouldRefuse).toBeUndefined();
    const second = await graphql(gateway.url, '{ reviews { id } }', { token: carol });
    expect(second.status).toBe(200);
    expect(second.body.data.reviews).toHaveLength(3);
    expect(second.body.extensions?.cost.wouldRefuse).toMatchObject({ code: 'THROTTLED' });
  });
});
