import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { startUsersSubgraph } from '../../subgraphs/users/index.js';
import type { RunningSubgraph } from '../../subgraphs/runtime/index.js';
import { admin, callSubgraph, codes, TEST_GATEWAY_KEYS, user, type CallOptions } from './client.js';
import { testStorage } from './storage-fixture.js';

const storage = testStorage('users', { inMemory: true });
let users: RunningSubgraph;

beforeAll(async () => {
  users = await startUsersSubgraph({ port: 0, gatewayKeys: TEST_GATEWAY_KEYS, storage: storage.options, logger: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await users?.stop();
  await storage.cleanup();
});

const call = (query: string, options?: CallOptions) => callSubgraph(users, query, options);
const ME = '{ me { id name email } }';
const USER = 'query ($id: ID!) { user(id: $id) { id name email } }';
const LIST = 'query ($first: Int, $after: String) { users(first: $first, after: $after) { nodes { id } pageInfo { endCursor hasNextPage } } }';
/** The scope the gateway's rule on User.email asks for (or admin). */
const EMAIL = 'users:read:email';
const ENTITIES = 'query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { id name email } } }';

describe('users subgraph', () => {
  it('provisions a caller on first use from the name and email claims', async () => {
    const { body } = await call(ME, { identity: user('ada', { name: 'Ada Lovelace', email: 'ada@example.com', scopes: [EMAIL] }) });
    expect(body.data!.me).toEqual({ id: 'ada', name: 'Ada Lovelace', email: 'ada@example.com' });
    const seen = await call(USER, { identity: user('someone-else', { scopes: [EMAIL] }), variables: { id: 'ada' } });
    expect(seen.body.data!.user).toEqual({ id: 'ada', name: 'Ada Lovelace', email: 'ada@example.com' });
  });

  it('names a caller without claims after the subject, with an empty email', async () => {
    const { body } = await call(ME, { identity: user('bare', { scopes: [EMAIL] }) });
    expect(body.data!.me).toEqual({ id: 'bare', name: 'bare', email: '' });
  });

  it('provisions a caller only once per process', async () => {
    await call(ME, { identity: user('once') });
    const before = users.db.stats.queries;
    await call('{ __typename }', { identity: user('once') });
    expect(users.db.stats.queries).toBe(before);
  });

  it('answers me with null for an anonymous caller', async () => {
    const { body } = await call(ME, { identity: { scopes: [] } });
    expect(body).toEqual({ data: { me: null } });
  });

  it('answers user with null for an unknown id', async () => {
    const { body } = await call(USER, { identity: user('ada', { scopes: [EMAIL] }), variables: { id: 'ghost' } });
    expect(body).toEqual({ data: { user: null } });
  });

  it('pages through all users in creation order', async () => {
    for (const sub of ['p1', 'p2', 'p3']) await call(ME, { identity: user(sub) });
    const all = (await call(LIST, { identity: admin('p1'), variables: { first: 100 } })).body.data!.users;
    const ids = all.nodes.map((u: { id: string }) => u.id);
    expect(ids.slice(-3)).toEqual(['p1', 'p2', 'p3']);
    expect(all.pageInfo.hasNextPage).toBe(false);

    const first = (await call(LIST, { identity: admin('p1'), variables: { first: ids.length - 1 } })).body.data!.users;
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = (await call(LIST, { identity: admin('p1'), variables: { after: first.pageInfo.endCursor } })).body.data!.users;
    expect(rest.nodes.map((u: { id: string }) => u.id)).toEqual([ids.at(-1)]);
  });

  it('refuses a bad cursor or page size with BAD_USER_INPUT', async () => {
    expect(codes((await call(LIST, { identity: admin('p1'), variables: { after: '%%%' } })).body)).toEqual(['BAD_USER_INPUT']);
    expect(codes((await call(LIST, { identity: admin('p1'), variables: { first: 1000 } })).body)).toEqual(['BAD_USER_INPUT']);
  });

  it('resolves 50 user references with one storage query, with placeholders for unknown ids', async () => {
    await call(ME, { identity: user('known', { name: 'Known' }) });
    const ids = ['known', ...Array.from({ length: 49 }, (_, i) => `stranger-${i}`)];
    const before = users.db.stats.queries;
    // An anonymous identity: no provisioning, so the only statement is the batched lookup.
    const { body } = await call(ENTITIES, {
      identity: { scopes: [EMAIL] },
      variables: { reps: ids.map((id) => ({ __typename: 'User', id })) },
    });
    expect(users.db.stats.queries - before).toBe(1);
    expect(body.data!._entities).toHaveLength(50);
    expect(body.data!._entities[0]).toEqual({ id: 'known', name: 'Known', email: '' });
    expect(body.data!._entities[1]).toEqual({ id: 'stranger-0', name: 'stranger-0', email: '' });
  });

  describe('enforces the gateway rules itself, for a validly signed caller without the scopes', () => {
    it('refuses the users list without admin', async () => {
      await call(ME, { identity: user('eve', { email: 'eve@example.com' }) });
      for (const scopes of [[], [EMAIL], ['users:read']]) {
        const { status, body } = await call(LIST, { identity: user('eve', { scopes }), variables: { first: 100 } });
        expect(status).toBe(200);
        expect(body.data).toBeNull();
        expect(codes(body)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
        expect(body.errors![0].path).toEqual(['users']);
      }
      expect((await call(LIST, { identity: admin('eve'), variables: { first: 100 } })).body.data!.users.nodes.length).toBeGreaterThan(0);
    });

    it("refuses another user's email, and the caller's own, without users:read:email or admin", async () => {
      await call(ME, { identity: user('vic', { email: 'vic@example.com' }) });
      const other = await call(USER, { identity: user('eve'), variables: { id: 'vic' } });
      expect(other.body.data).toEqual({ user: null });
      expect(codes(other.body)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
      expect(other.body.errors![0].path).toEqual(['user', 'email']);
      const entities = await call(ENTITIES, { identity: user('eve'), variables: { reps: [{ __typename: 'User', id: 'vic' }] } });
      expect(entities.body.data).toEqual({ _entities: [null] });
      expect(codes(entities.body)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
      const own = await call(ME, { identity: user('vic') });
      expect(own.body.data).toEqual({ me: null });
      expect(codes(own.body)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
      expect(JSON.stringify([other.body, entities.body, own.body])).not.toContain('vic@example.com');
      // Without email in the selection, nothing is refused.
      expect((await call('query ($id: ID!) { user(id: $id) { id name } }', { identity: user('eve'), variables: { id: 'vic' } })).body).toEqual({
        data: { user: { id: 'vic', name: 'vic' } },
      });
      for (const scopes of [[EMAIL], ['admin']]) {
        expect((await call(USER, { identity: user('eve', { scopes }), variables: { id: 'vic' } })).body.data!.user.email).toBe('vic@example.com');
      }
    });
  });
});
