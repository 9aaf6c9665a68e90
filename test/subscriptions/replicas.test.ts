import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTodosSubgraph } from '../../subgraphs/todos/index.js';
import { startUsersSubgraph } from '../../subgraphs/users/index.js';
import type { RunningSubgraph } from '../../subgraphs/runtime/index.js';
import { graphql, silentLogger, startGateway, SUBGRAPH_PUBLIC_KEYS, token } from '../helpers/stack.js';
import { testStorage } from '../subgraphs/storage-fixture.js';
import { connect } from './ws-client.js';

// Two todos replicas publishing through the real Redis, each behind a gateway of its own.
describe.runIf(process.env.REDIS_URL)('subscriptions across replicas (Redis pub/sub)', () => {
  // With DATABASE_URL both replicas share one schema, as in production; embedded, each has a database of its own.
  const shared = testStorage('todos-r');
  const storages = [testStorage('users-r'), shared, process.env.DATABASE_URL ? shared : testStorage('todos-r2')];
  const running: RunningSubgraph[] = [];
  const gateways: Array<Awaited<ReturnType<typeof startGateway>>> = [];

  beforeAll(async () => {
    const common = { port: 0, gatewayKeys: SUBGRAPH_PUBLIC_KEYS, logger: silentLogger };
    const users = await startUsersSubgraph({ ...common, storage: storages[0].options });
    const todos = await Promise.all([1, 2].map((i) => startTodosSubgraph({ ...common, storage: storages[i].options, redisUrl: process.env.REDIS_URL })));
    running.push(users, ...todos);
    for (const replica of todos) gateways.push(await startGateway({ users: users.url, todos: replica.url }));
  }, 90_000);
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.server.stop()));
    await Promise.all(running.map((s) => s.stop()));
    await Promise.all([...new Set(storages)].map((s) => s.cleanup()));
  });

  it('a mutation through one gateway and todos replica reaches a subscriber on the other', async () => {
    const sub = `replica-${randomUUID().slice(0, 8)}`;
    const owner = await token(sub, { name: 'Remote' });
    const listener = connect(gateways[0].url, { authorization: `Bearer ${owner}` });
    const changes = listener.subscribe('subscription { todoChanged { kind todo { title owner { name } } } }');
    let added = 0;
    await expect
      .poll(async () => {
        await graphql(gateways[1].url, 'mutation ($t: String!) { addTodo(input: { title: $t }) { id } }', { token: owner, variables: { t: `from replica 2 #${++added}` } });
        return changes.received.length;
      }, { interval: 100 })
      .toBeGreaterThan(0);
    expect(changes.received[0]).toEqual({
      data: { todoChanged: { kind: 'ADDED', todo: { title: expect.stringMatching(/^from replica 2 #/), owner: { name: 'Remote' } } } },
    });
    await listener.dispose();
  });
});
