import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, startGateway, token } from '../helpers/stack.js';
import { startCatalogGraph } from './fixtures/catalog-graph.js';

type Graph = Awaited<ReturnType<typeof startCatalogGraph>>;
let graph: Graph;
let gateway: Awaited<ReturnType<typeof startGateway>>;
const callers: Record<string, string | undefined> = {};
const policies = { vip: ({ caller }: { caller: { claims: Record<string, unknown> } }) => caller.claims.vip === true };

beforeAll(async () => {
  graph = await startCatalogGraph();
  gateway = await startGateway(
    { catalog: graph.catalog.url, reviews: graph.reviews.url },
    { supergraph: { path: graph.supergraphPath }, authorization: { policies } },
  );
  callers.anonymous = undefined;
  callers.user = await token('ann');
  callers.admin = await token('root', { scope: 'admin reviews:authors' });
  callers.auditor = await token('aud', { scope: 'auditor read' });
  callers.wrongScope = await token('eve', { scope: 'read' });
});
afterAll(async () => {
  await gateway?.server.stop();
  await graph?.stop();
});

const UNAUTHORIZED = 'UNAUTHORIZED_FIELD_OR_TYPE';
const unauthorized = (...paths: (string | number)[][]) => paths.map((path) => ({ path, code: UNAUTHORIZED }));

interface Case {
  name: string;
  query: string;
  /** Per caller: the data expected, the error paths expected, and names that must not reach any subgraph. */
  expect: Record<string, { data: unknown; errors?: { path: (string | number)[]; code: string }[]; hidden?: string[] }>;
}

const cases: Case[] = [
  {
    name: 'a field with @requiresScopes (OR of ANDs)',
    query: '{ secretCount book(id: "b1") { name } }',
    expect: {
      anonymous: { data: { secretCount: null, book: { name: 'Dune' } }, errors: unauthorized(['secretCount']), hidden: ['secretCount'] },
      wrongScope: { data: { secretCount: null, book: { name: 'Dune' } }, errors: unauthorized(['secretCount']), hidden: ['secretCount'] },
      auditor: { data: { secretCount: 42, book: { name: 'Dune' } } },
      admin: { data: { secretCount: 42, book: { name: 'Dune' } } },
    },
  },
  {
    name: 'aliased fields, each reported at its own path',
    query: '{ a: secretCount b: secretCount }',
    expect: {
      user: { data: { a: null, b: null }, errors: unauthorized(['a'], ['b']), hidden: ['secretCount'] },
      admin: { data: { a: 42, b: 42 } },
    },
  },
  {
    name: 'a field of the other subgraph, nested under an entity, through a named fragment',
    query: 'query { book(id: "b1") { ...B } } fragment B on Book { name reviews { body author } }',
    expect: {
      user: {
        data: { book: { name: 'Dune', reviews: [{ body: 'About b1', author: null }] } },
        errors: unauthorized(['book', 'reviews', '@', 'author']),
        hidden: ['author'],
      },
      admin: { data: { book: { name: 'Dune', reviews: [{ body: 'About b1', author: 'Ann' }] } } },
    },
  },
  {
    name: 'a type with @authenticated reached through a union',
    query: '{ search { ... on Book { name } ... on Vault { code } } }',
    expect: {
      anonymous: { data: { search: [{ name: 'Dune' }, {}] }, errors: unauthorized(['search', '@']), hidden: ['code'] },
      user: { data: { search: [{ name: 'Dune' }, { code: '1234' }] } },
    },
  },
  {
    // Composition carries Vault's @authenticated onto the Item interface: every Item selection needs it.
    name: 'an interface one of whose implementations is protected',
    query: '{ items { id } book(id: "b2") { name } }',
    expect: {
      // items: [Item!]! is non-null, so its null propagates to the root, as GraphQL requires.
      anonymous: { data: null, errors: unauthorized(['items']), hidden: ['items'] },
      user: { data: { items: [{ id: 'b1' }, { id: 'b2' }, { id: 'v1' }], book: { name: 'Emma' } } },
    },
  },
  {
    name: 'the same interface, selected through a concrete fragment',
    query: '{ items { ... on Book { name } } }',
    expect: {
      anonymous: { data: null, errors: unauthorized(['items']), hidden: ['items'] },
      user: { data: { items: [{ name: 'Dune' }, { name: 'Emma' }, {}] } },
    },
  },
  {
    name: 'a @policy field',
    query: '{ vip }',
    expect: {
      user: { data: { vip: null }, errors: unauthorized(['vip']), hidden: ['vip'] },
      vip: { data: { vip: 'welcome' } },
    },
  },
  {
    name: 'a mutation the caller may not call is not executed',
    query: 'mutation { deleteBook(id: "b1") }',
    expect: {
      user: { data: { deleteBook: null }, errors: unauthorized(['deleteBook']), hidden: ['deleteBook'] },
      admin: { data: { deleteBook: 'b1' } },
    },
  },
  {
    name: 'an @authenticated mutation with a non-null result nulls the whole data',
    query: 'mutation { renameBook(id: "b1", name: "X") { name } }',
    expect: {
      anonymous: { data: { renameBook: null }, errors: unauthorized(['renameBook']), hidden: ['renameBook'] },
      user: { data: { renameBook: { name: 'X' } } },
    },
  },
];

describe.each(cases)('$name', ({ query, expect: expected }) => {
  it.each(Object.entries(expected))('as %s', async (caller, want) => {
    const bearer = caller === 'vip' ? await token('vip', { extra: { vip: true } }) : callers[caller];
    graph.clear();
    const { status, body } = await graphql(gateway.url, query, { token: bearer });
    expect(status).toBe(200);
    expect(body.data).toEqual(want.data);
    const errors = (body.errors ?? []).map((e) => ({ path: e.path, code: e.extensions?.code }));
    expect(errors).toEqual(want.errors ?? []);
    for (const name of want.hidden ?? []) expect(graph.received()).not.toMatch(new RegExp(`\\b${name}\\b`));
  });
});

describe('one document, callers with different rights, in either order', () => {
  const query = '{ secretCount book(id: "b1") { name } }';
  it('never serves one caller the plan made for another', async () => {
    for (const order of [['admin', 'anonymous', 'admin'], ['anonymous', 'admin', 'anonymous']]) {
      for (const caller of order) {
        const { body } = await graphql(gateway.url, query, { token: callers[caller] });
        expect(body.data.secretCount).toBe(caller === 'admin' ? 42 : null);
      }
    }
  });
});

describe('reject mode', () => {
  let strict: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    strict = await startGateway(
      { catalog: graph.catalog.url, reviews: graph.reviews.url },
      { supergraph: { path: graph.supergraphPath }, authorization: { policies, mode: 'reject' } },
    );
  });
  afterAll(() => strict?.server.stop());

  it('refuses the whole request with 403 and sends nothing to any subgraph', async () => {
    graph.clear();
    const { status, body } = await graphql(strict.url, '{ secretCount book(id: "b1") { name } }', { token: callers.user });
    expect(status).toBe(403);
    expect(body.errors?.[0].extensions?.code).toBe(UNAUTHORIZED);
    expect(body.data).toBeUndefined();
    expect(graph.received()).toBe('');
  });

  it('lets through what the caller may see', async () => {
    const { status, body } = await graphql(strict.url, '{ secretCount }', { token: callers.admin });
    expect(status).toBe(200);
    expect(body.data).toEqual({ secretCount: 42 });
  });
});

describe('policies', () => {
  it('a supergraph that names an unregistered policy does not start', async () => {
    await expect(
      startGateway({ catalog: graph.catalog.url, reviews: graph.reviews.url }, { supergraph: { path: graph.supergraphPath } }),
    ).rejects.toThrow(/@policy "vip", not registered/);
  });
});

describe('introspection behind a scope', () => {
  let guarded: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    guarded = await startGateway(
      { catalog: graph.catalog.url, reviews: graph.reviews.url },
      { supergraph: { path: graph.supergraphPath }, authorization: { policies, introspectionScope: 'introspect' } },
    );
  });
  afterAll(() => guarded?.server.stop());

  it('answers __schema and __type only to a token with the scope', async () => {
    const query = '{ __type(name: "Book") { name } __typename }';
    const anonymous = await graphql(guarded.url, query);
    expect(anonymous.body.data).toEqual({ __type: null, __typename: 'Query' });
    expect(anonymous.body.errors?.map((e) => e.extensions?.code)).toEqual([UNAUTHORIZED]);
    const schema = await graphql(guarded.url, '{ __schema { queryType { name } } }', { token: callers.admin });
    expect(schema.body.data).toBeNull();
    const allowed = await graphql(guarded.url, query, { token: await token('dev', { scope: 'introspect' }) });
    expect(allowed.body.data).toEqual({ __type: { name: 'Book' }, __typename: 'Query' });
  });
});
