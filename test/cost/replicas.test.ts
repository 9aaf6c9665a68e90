import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { graphql, startStack, token, type Stack } from '../helpers/stack.js';

describe.runIf(process.env.REDIS_URL)('two gateway processes sharing budgets in Redis', () => {
  let stack: Stack;
  const gateways: GatewayProcess[] = [];

  beforeAll(async () => {
    stack = await startStack();
    const env = {
      REDIS_URL: process.env.REDIS_URL!,
      PORTICO_REDIS_PREFIX: `test-${randomUUID()}`,
      PORTICO_SUBGRAPH_USERS_URL: stack.users.url,
      PORTICO_SUBGRAPH_TODOS_URL: stack.todos.url,
      // 20 points and practically no refill during the test.
      PORTICO_BUDGET_CAPACITY: '20',
      PORTICO_BUDGET_RESTORE_RATE: '0.001',
    };
    gateways.push(...(await Promise.all([spawnGateway(env), spawnGateway(env)])));
  }, 90_000);
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await stack?.stop();
  });

  it('admit no more than the budget in total when one client hammers both', async () => {
    const bearer = await token(`hammer-${randomUUID()}`);
    // `{ me { name } }` costs 1 (estimated and actual): the budget admits 20 of them.
    const requests = Array.from({ length: 60 }, (_, i) => graphql(gateways[i % 2].url, '{ me { name } }', { token: bearer }));
    const statuses = (await Promise.all(requests)).map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(40);
  });
});
