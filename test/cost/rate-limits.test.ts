import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWindow } from '../../src/cost/rate-limits.js';
import { graphql, startStack, token, type Stack } from '../helpers/stack.js';

// The demo declares `addTodo @rateLimit(window: "1m", max: 60)` in schema/todos.graphql.
let stack: Stack;
let now = 5_000_000;
beforeAll(async () => {
  // Time is the test's own here, so counters stay in this process (not Redis, which keeps its own clock).
  // Aliases up to 100, so that one operation can select addTodo more often than its limit allows.
  stack = await startStack({ redisUrl: undefined, limits: { maxAliases: 100 } }, { now: () => now });
});
afterAll(() => stack?.stop());

const adds = (n: number) => `mutation { ${Array.from({ length: n }, (_, i) => `a${i}: addTodo(input: { title: "t${i}" }) { id }`).join(' ')} }`;
const count = async (bearer: string) =>
  (await graphql(stack.url, '{ todos(first: 100) { nodes { id } } }', { token: bearer })).body.data.todos.nodes.length;

describe('@rateLimit', () => {
  it('parses windows', () => {
    expect(parseWindow('30s')).toBe(30_000);
    expect(parseWindow('1m')).toBe(60_000);
    expect(() => parseWindow('soon')).toThrow(/30s, 1m, 1h/);
  });

  it('allows 60 addTodo calls a minute per user, counting aliases, then 429 until the window ends', async () => {
    const gina = await token('gina');
    for (let i = 0; i < 2; i++) expect((await graphql(stack.url, adds(30), { token: gina })).status).toBe(200);
    expect(await count(gina)).toBe(60);
    const refused = await graphql(stack.url, adds(1), { token: gina });
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0].extensions?.code).toBe('THROTTLED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await count(gina)).toBe(60);
    // Another user has a counter of their own.
    expect((await graphql(stack.url, adds(1), { token: await token('hank') })).status).toBe(200);
    now += 61_000;
    expect((await graphql(stack.url, adds(1), { token: gina })).status).toBe(200);
  });

  it('does not let a burst that straddles a window boundary through twice', async () => {
    const ivan = await token('ivan');
    now = 60_000 * 200 + 57_000; // 3 s before a fixed window ends
    expect((await graphql(stack.url, adds(60), { token: ivan })).status).toBe(200);
    now += 6000; // 3 s into the next: 95 % of those 60 calls still fall in the last minute
    const refused = await graphql(stack.url, adds(30), { token: ivan });
    expect(refused.status).toBe(429);
    // 57 + 30 ≤ 60 once the old window's weight is 30 / 60: at 30 s into this window, 27 s from now.
    expect(refused.headers.get('retry-after')).toBe('27');
    expect((await graphql(stack.url, adds(3), { token: ivan })).status).toBe(200);
    expect(await count(ivan)).toBe(63);
  });

  it('refuses an operation that selects the field more often than a whole window allows, as a bad request', async () => {
    const jo = await token('jo');
    const { status, body } = await graphql(stack.url, adds(61), { token: jo });
    expect(status).toBe(400);
    expect(body.errors?.[0].extensions?.code).toBe('RATE_LIMIT_EXCEEDED');
    expect(await count(jo)).toBe(0);
  });
});

describe('@rateLimit with a small budget', () => {
  let small: Stack;
  let clock = 9_000_000; // the start of a rate window
  beforeAll(async () => {
    small = await startStack({ redisUrl: undefined, cost: { budgets: { capacity: 350, restoreRate: 50 } } }, { now: () => clock });
  });
  afterAll(() => small?.stop());

  it('does not count the calls of a request its budget refused', async () => {
    const kai = await token('kai');
    // 30 addTodo calls cost 300 of 350 points and 30 of the 60 calls a minute.
    expect((await graphql(small.url, adds(30), { token: kai })).status).toBe(200);
    const broke = await graphql(small.url, adds(30), { token: kai });
    expect(broke.status).toBe(429);
    expect(broke.body.errors?.[0].message).toMatch(/^Throttled/);
    clock += 7000; // the budget is full again, the rate window is not over
    expect((await graphql(small.url, adds(30), { token: kai })).status).toBe(200);
    clock += 7000;
    expect((await graphql(small.url, '{ todos(first: 100) { nodes { id } } }', { token: kai })).body.data.todos.nodes).toHaveLength(60);
  });
});
