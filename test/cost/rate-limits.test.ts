import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWindow } from '../../src/cost/rate-limits.js';
import { graphql, startStack, token, type Stack } from '../helpers/stack.js';

// The demo declares `addTodo @rateLimit(window: "1m", max: 60)` in schema/todos.graphql.
let stack: Stack;
let now = 5_000_000;
beforeAll(async () => {
  // Time is the test's own here, so counters stay in this process (not Redis, which keeps its own clock).
  stack = await startStack({ redisUrl: undefined }, { now: () => now });
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
});
