import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, startGateway, startStack, token, type Stack } from '../helpers/stack.js';
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

  it('applies authorization to every event: a field the caller may not see is removed (null, as in a query) with UNAUTHORIZED_FIELD_OR_TYPE', async () => {
    const hank = connect(stack.url, await bearer('ws-hank', { name: 'Hank', email: 'hank@example.com' }));
    const changes = hank.subscribe('subscription { todoChanged { id todo { title owner { name email } } } }');
    await subscribed([changes], 'ws-hank');
    const added = await graphql(stack.url, 'mutation { addTodo(input: { title: "private email" }) { id } }', { token: await token('ws-hank', { name: 'Hank' }) });
    let event = await changes.next();
    while (event.data?.todoChanged?.id !== added.body.data.addTodo.id) event = await changes.next();
    // email is a non-null String: its removal nulls the nearest nullable field above it, as for a query.
    expect(event.data).toEqual({ todoChanged: { id: added.body.data.addTodo.id, todo: null } });
    expect(event.errors).toEqual([expect.objectContaining({ path: ['todoChanged', 'todo', 'owner', 'email'], extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' } })]);
    await hank.dispose();
  });

  it('refuses an anonymous subscription (UNAUTHORIZED_FIELD_OR_TYPE), and closes a socket with a bad token (4401, with the reason)', async () => {
    const anonymous = connect(stack.url);
    const refused = await anonymous.subscribe(CHANGED).ended;
    expect(refused).toEqual({ error: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHORIZED_FIELD_OR_TYPE' }) })] });
    await anonymous.dispose();

    const forged = connect(stack.url, { authorization: 'Bearer not-a-token' });
    forged.subscribe(CHANGED);
    expect(await forged.closed).toEqual({ code: 4401, reason: 'Token is malformed' });
    const expired = connect(stack.url, await bearer('ws-late', { expiresIn: -60 }));
    expired.subscribe(CHANGED);
    expect(await expired.closed).toEqual({ code: 4401, reason: 'Token has expired' });
  });

  it('a token that expires ends its subscriptions with UNAUTHENTICATED and closes the socket (4401)', async () => {
    // Past its exp by 28 s: valid for 2 s more, within the default clock tolerance of 30 s.
    const shortLived = connect(stack.url, await bearer('ws-brief', { expiresIn: -28 }));
    const subscription = shortLived.subscribe(CHANGED);
    expect(await subscription.ended).toEqual({ error: [{ message: 'Token has expired', extensions: { code: 'UNAUTHENTICATED' } }] });
    expect(await shortLived.closed).toEqual({ code: 4401, reason: 'Token has expired' });
  });

  it('refuses a query over WebSocket (BAD_REQUEST: queries and mutations go over HTTP)', async () => {
    const carol = connect(stack.url, await bearer('ws-carol'));
    expect(await carol.subscribe('{ me { id } }').ended).toEqual({
      error: [expect.objectContaining({ extensions: { code: 'BAD_REQUEST' } })],
    });
    await carol.dispose();
  });

  it('serves multipart HTTP subscriptions (Accept: multipart/mixed;subscriptionSpec="1.0"), as Apollo Client sends them', async () => {
    const frank = await token('mp-frank', { name: 'Frank' });
    const response = await fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0",application/json', authorization: `Bearer ${frank}` },
      body: JSON.stringify({ query: CHANGED }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('multipart/mixed;boundary="graphql";subscriptionSpec="1.0"');
    const reader = response.body!.getReader();
    let text = '';
    // Parts so far: each `\r\n--graphql\r\n<headers>\r\n\r\n<json>`, heartbeats `{}` among them.
    const payloads = () =>
      text
        .split('\r\n--graphql')
        .slice(1, -1)
        .map((chunk) => JSON.parse(chunk.slice(chunk.indexOf('\r\n\r\n') + 4)))
        .filter((p) => p.payload);
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += new TextDecoder().decode(value);
      }
    })();
    let added = 0;
    await expect
      .poll(async () => {
        await graphql(stack.url, 'mutation ($t: String!) { addTodo(input: { title: $t }) { id } }', { token: frank, variables: { t: `multipart ${++added}` } });
        return payloads().length;
      }, { interval: 50 })
      .toBeGreaterThan(0);
    expect(payloads()[0]).toEqual({ payload: { data: { todoChanged: { kind: 'ADDED', id: expect.any(String), todo: { title: expect.stringMatching(/^multipart /), owner: { name: 'Frank' } } } } } });
    await reader.cancel();
    await reading;

    const anonymous = await fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed;subscriptionSpec="1.0"' },
      body: JSON.stringify({ query: CHANGED }),
    });
    // A refusal keeps its status: the anonymous caller is refused the field (403), not told 200.
    expect(anonymous.status).toBe(403);
    expect((await anonymous.json()).errors[0].extensions).toEqual(expect.objectContaining({ code: 'UNAUTHORIZED_FIELD_OR_TYPE' }));

    // A CORS-simple content type cannot open one (Apollo Server's CSRF rule holds here too).
    const simple = await fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; x=json', accept: 'multipart/mixed;subscriptionSpec="1.0"', authorization: `Bearer ${frank}` },
      body: JSON.stringify({ query: CHANGED }),
    });
    expect(simple.status).toBe(415);
    expect((await simple.json()).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('answers a subscription posted as a plain query with a clear error (400 BAD_REQUEST)', async () => {
    const plain = await graphql(stack.url, CHANGED, { token: await token('plain-gina') });
    expect(plain.status).toBe(400);
    expect(plain.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'BAD_REQUEST' } })]);
    expect(plain.body.errors![0].message).toMatch(/WebSocket|multipart/);
  });

  it('limits open subscriptions per connection and per client, counts them in /metrics, and closes sockets with 1001 on shutdown', async () => {
    const gateway = await startGateway({ users: stack.users.url, todos: stack.todos.url }, { subscriptions: { maxPerConnection: 2, maxPerClient: 3 } });
    const dave = await bearer('ws-dave');
    const first = connect(gateway.url, dave);
    const open = [first.subscribe(CHANGED), first.subscribe(CHANGED)];
    expect(await first.subscribe(CHANGED).ended).toEqual({
      error: [{ message: 'At most 2 subscriptions per connection', extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: 2 } }],
    });
    const second = connect(gateway.url, dave);
    open.push(second.subscribe(CHANGED));
    expect(await second.subscribe(CHANGED).ended).toEqual({
      error: [{ message: 'At most 3 subscriptions per client', extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: 3 } }],
    });
    // The three accepted ones may still be starting (budgets in Redis answer later than the refusals).
    const metricsText = async () => (await fetch(gateway.metricsUrl!)).text();
    await expect.poll(metricsText).toMatch(/^portico_subscriptions_active 3$/m);
    const metrics = await metricsText();
    expect(metrics).toMatch(/^portico_subscription_connections 2$/m);
    expect(metrics).toMatch(/^portico_subscriptions_started_total\{outcome="refused"\} 2$/m);

    await gateway.server.stop();
    expect(await first.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
    expect(await second.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
    expect(await Promise.all(open.map((s) => s.ended))).toHaveLength(3);
  });

  it('a todos restart ends its subscriptions with SUBGRAPH_UNAVAILABLE; new ones work', async () => {
    const erin = connect(stack.url, await bearer('ws-erin', { name: 'Erin' }));
    const before = erin.subscribe(CHANGED);
    await subscribed([before], 'ws-erin');
    await stack.restartTodos();
    expect(await before.ended).toEqual({
      error: [{ message: expect.stringMatching(/^Subgraph "todos" closed its subscription connection \(1001/), extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'todos' } }],
    });
    const after = erin.subscribe(CHANGED);
    await subscribed([after], 'ws-erin');
    await graphql(stack.url, 'mutation { addTodo(input: { title: "after the restart" }) { id } }', { token: await token('ws-erin') });
    expect((await next(after)).data.todoChanged.todo).toEqual({ title: 'after the restart', owner: { name: 'Erin' } });
    await erin.dispose();
  });
});
