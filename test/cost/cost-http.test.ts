import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, startStack, token, type Stack } from '../helpers/stack.js';

let stack: Stack;
let now = 1_000_000;
beforeAll(async () => {
  // A small budget to exhaust quickly: 30 points, 10 restored per second, on a clock the test moves.
  // Time is the test's own here, so budgets stay in this process (not Redis, which keeps its own clock).
  stack = await startStack({ cost: { budgets: { capacity: 30, restoreRate: 10 } }, redisUrl: undefined }, { now: () => now });
});
afterAll(() => stack?.stop());

// Ten aliases of `me` (an object: 1 each), so the estimate equals the actual cost: 10.
const TEN = `{ ${Array.from({ length: 10 }, (_, i) => `m${i}: me { name }`).join(' ')} }`;

describe('cost throttling through the gateway', () => {
  it('reports requested and actual cost, and gives back the difference', async () => {
    const carol = await token('carol');
    await graphql(stack.url, 'mutation { addTodo(input: { title: "one" }) { id } }', { token: carol });
    // todos(first: 10) { nodes { id } }: 1 + 10 × 1 = 11 requested; 1 + 1 × 1 = 2 actual (one to-do).
    const { body } = await graphql(stack.url, '{ todos(first: 10) { nodes { id } } }', { token: carol });
    expect(body.extensions?.cost.requestedQueryCost).toBe(11);
    expect(body.extensions?.cost.actualQueryCost).toBe(2);
    // 30 - 12 (the mutation: 10 + 0 requested... addTodo { id } = 10, actual 10) - 2 = 18 left.
    expect(body.extensions?.cost.throttleStatus).toEqual({ maximumAvailable: 30, currentlyAvailable: 18, restoreRate: 10 });
  });

  it('refuses an estimate over the ceiling before any subgraph is called', async () => {
    const before = stack.todos.db.stats.queries;
    // 1 + 100 × (1 + owner 2 + todos (1 + 100 × 1)) = 10401 > 1000.
    const query = '{ todos(first: 100) { nodes { owner { todos(first: 100) { nodes { id } } } } } }';
    const { status, body } = await graphql(stack.url, query, { token: await token('dan') });
    expect(status).toBe(400);
    expect(body.errors?.[0].extensions).toMatchObject({ code: 'COST_ESTIMATED_TOO_EXPENSIVE', cost: { estimated: 10401, maximum: 1000 } });
    expect(stack.todos.db.stats.queries).toBe(before);
  });

  it('throttles a burst beyond the budget with 429 and Retry-After, then lets the client through after the wait', async () => {
    const erin = await token('erin');
    await graphql(stack.url, '{ me { id } }', { token: erin }); // provisions erin: 1 point
    now += 10_000; // full again
    for (let i = 0; i < 3; i++) expect((await graphql(stack.url, TEN, { token: erin })).status).toBe(200);
    const before = stack.users.db.stats.queries;
    const refused = await graphql(stack.url, TEN, { token: erin });
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0].extensions?.code).toBe('THROTTLED');
    // 10 needed, 0 available, 10 per second: 1 second.
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body.extensions?.cost.throttleStatus.currentlyAvailable).toBe(0);
    expect(stack.users.db.stats.queries).toBe(before);
    now += 1000;
    expect((await graphql(stack.url, TEN, { token: erin })).status).toBe(200);
  });

  it('keeps one budget per client: another caller is not throttled', async () => {
    expect((await graphql(stack.url, TEN, { token: await token('frank') })).status).toBe(200);
  });
});
