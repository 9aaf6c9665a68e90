import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, startStack, token, type Stack } from '../helpers/stack.js';
import { connect, type TestSubscription } from './ws-client.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const CHANGED = 'subscription { todoChanged { kind id todo { title owner { name } } } }';
const bearer = async (sub: string, options: Parameters<typeof token>[1] = {}) => ({ authorization: `Bearer ${await token(sub, options)}` });

/**
 * Adds to-dos as `sub` until every subscription has seen one (a subscribe may still be on its way
 * upstream when the socket is acknowledged), then forgets what they saw.
 */
async function subscribed(subscriptions: TestSubscription[], sub: string) {
  const owner = await token(sub);
  let added = 0;
  await expect
    .poll(async () => {
      await graphql(stack.url, 'mutation ($t: String!) { addTodo(input: { title: $t }) { id } }', { token: owner, variables: { t: `warm-up ${++added}` } });
      return subscriptions.every((s) => s.received.length > 0);
    }, { interval: 50 })
    .toBe(true);
}

/** The next event that is not a warm-up's. */
async function next(subscription: TestSubscription) {
  for (;;) {
    const result = await subscription.next();
    if (!result.data?.todoChanged?.todo?.title?.startsWith('warm-up')) return result;
  }
}

describe('subscriptions through the gateway (graphql-ws on /graphql)', () => {
  it("a user gets their own to-dos' changes with owner { name } from the users subgraph, never another user's; an admin gets both", async () => {
    const alice = connect(stack.url, await bearer('ws-alice', { name: 'Alice' }));
    const boss = connect(stack.url, await bearer('ws-boss', { name: 'Boss', scope: 'admin' }));
    const own = alice.subscribe(CHANGED);
    const all = boss.subscribe(CHANGED);
    await subscribed([own, all], 'ws-alice');

    const bob = await token('ws-bob', { name: 'Bob' });
    await graphql(stack.url, '{ me { name } }', { token: bob }); // the users subgraph learns Bob's name
    const aliceToken = await token('ws-alice', { name: 'Alice' });
    await graphql(stack.url, 'mutation { addTodo(input: { title: "bob only" }) { id } }', { token: bob });
    const added = await graphql(stack.url, 'mutation { addTodo(input: { title: "milk" }) { id } }', { token: aliceToken });
    const id = added.body.data.addTodo.id;
    await graphql(stack.url, 'mutation ($id: ID!) { updateTodo(id: $id, input: { title: "oat milk" }) { id } }', { token: aliceToken, variables: { id } });
    await graphql(stack.url, 'mutation ($id: ID!) { deleteTodo(id: $id) }', { token: aliceToken, variables: { id } });

    expect([await next(own), await next(own), await next(own)]).toEqual([
      { data: { todoChanged: { kind: 'ADDED', id, todo: { title: 'milk', owner: { name: 'Alice' } } } } },
      { data: { todoChanged: { kind: 'UPDATED', id, todo: { title: 'oat milk', owner: { name: 'Alice' } } } } },
      { data: { todoChanged: { kind: 'DELETED', id, todo: null } } },
    ]);
    const adminSaw = [await next(all), await next(all)].map((r) => r.data.todoChanged.todo);
    expect(adminSaw).toEqual([{ title: 'bob only', owner: { name: 'Bob' } }, { title: 'milk', owner: { name: 'Alice' } }]);
    await Promise.all([alice.dispose(), boss.dispose()]);
  });
});
