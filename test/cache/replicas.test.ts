import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { graphql, startStack, token, type Stack } from '../helpers/stack.js';

describe.runIf(process.env.REDIS_URL)('two gateway processes sharing one cache in Redis', () => {
  let stack: Stack;
  let a: GatewayProcess;
  let b: GatewayProcess;
  const run = randomUUID().slice(0, 8);

  beforeAll(async () => {
    stack = await startStack();
    const env = { REDIS_URL: process.env.REDIS_URL!,
      PORTICO_REDIS_PREFIX: `test-${randomUUID()}`, PORTICO_SUBGRAPH_USERS_URL: stack.users.url, PORTICO_SUBGRAPH_TODOS_URL: stack.todos.url };
    [a, b] = await Promise.all([spawnGateway(env), spawnGateway(env)]);
  }, 90_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await stack?.stop();
  });

  it('a miss on one is a hit on the other, and a mutation through one evicts for both', async () => {
    const owner = await token(`replica-${run}`);
    await graphql(a.url, 'mutation { addTodo(input: { title: "shared" }) { id } }', { token: owner });
    const list = '{ todos { nodes { title } } }';
    expect((await graphql(a.url, list, { token: owner })).headers.get('x-cache')).toBe('MISS');
    const hit = await graphql(b.url, list, { token: owner });
    expect(hit.headers.get('x-cache')).toBe('HIT');
    expect(hit.body.data.todos.nodes).toEqual([{ title: 'shared' }]);

    await graphql(b.url, 'mutation { addTodo(input: { title: "second" }) { id } }', { token: owner });
    const fresh = await graphql(a.url, list, { token: owner });
    expect(fresh.headers.get('x-cache')).toBe('MISS');
    expect(fresh.body.data.todos.nodes.map((t: { title: string }) => t.title).sort()).toEqual(['second', 'shared']);
  });
});

describe('Redis unreachable', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Nothing listens on port 1: every store call fails at once.
    stack = await startStack({ redisUrl: 'redis://127.0.0.1:1' });
  });
  afterAll(() => stack?.stop());

  it('serves uncached, budgets on a local limiter, and never an error to the client', async () => {
    const lee = await token('no-redis-lee');
    await graphql(stack.url, 'mutation { addTodo(input: { title: "still works" }) { id } }', { token: lee });
    for (let i = 0; i < 2; i++) {
      const r = await graphql(stack.url, '{ todos { nodes { title } } }', { token: lee });
      expect(r.status).toBe(200);
      expect(r.body.errors).toBeUndefined();
      expect(r.body.data.todos.nodes).toEqual([{ title: 'still works' }]);
      expect(r.headers.get('x-cache')).toBe('MISS');
    }
  });
});
