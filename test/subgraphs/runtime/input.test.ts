import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphQLError, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isInvalidInputError } from '../../../subgraphs/runtime/errors.js';
import { assertStorableIdentity, findUnstorable, keyFields, unstorableText } from '../../../subgraphs/runtime/input.js';
import { decodeCursor, encodeCursor, startSubgraph, type Db, type RunningSubgraph, type SubgraphContext } from '../../../subgraphs/runtime/index.js';
import { callSubgraph, codes, TEST_GATEWAY_KEYS, user } from '../client.js';
import { testStorage, type TestStorage } from '../storage-fixture.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as GraphQLError).extensions?.code;
  }
  return undefined;
};

describe('what can be stored', () => {
  it('refuses NUL and unpaired surrogates, accepts any other text (paired surrogates, controls, RTL)', () => {
    expect(unstorableText('a\u0000b')).toMatch(/NUL/);
    expect(unstorableText('a\ud800')).toMatch(/surrogate/);
    expect(unstorableText('\udc00a')).toMatch(/surrogate/);
    for (const fine of ['', 'plain', '😀 emoji', '\u0001\u001f\u007f', 'שלום', 'line\nbreak']) expect(unstorableText(fine)).toBeUndefined();
  });

  it('finds the first bad string deep inside inputs, with its path, without recursing', () => {
    expect(findUnstorable({ input: { tags: ['ok', 'x\u0000'] } }, 'args')).toEqual({ path: 'args.input.tags[1]', problem: expect.stringMatching(/NUL/) });
    expect(findUnstorable({ n: 1, b: true, z: null, s: 'fine' }, 'args')).toBeUndefined();
    // A JSON scalar (an _entities representation) nested far deeper than the call stack allows.
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(findUnstorable(deep, 'r')?.problem).toMatch(/NUL/);
  });

  it('bounds and checks the claims of an identity', () => {
    expect(codeOf(() => assertStorableIdentity({ sub: 'x'.repeat(255), name: 'n'.repeat(1000), email: 'e'.repeat(320), scopes: [] }))).toBeUndefined();
    expect(codeOf(() => assertStorableIdentity({ sub: 'x'.repeat(256), scopes: [] }))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => assertStorableIdentity({ sub: 'a', email: 'e'.repeat(321), scopes: [] }))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => assertStorableIdentity({ sub: 'a', name: 'b\u0000', scopes: [] }))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => assertStorableIdentity({ scopes: [] }))).toBeUndefined();
  });

  it('reads the key fields of each entity type from the SDL', () => {
    const keys = keyFields(parse('type A @key(fields: "id") { id: ID! } type B @key(fields: "sku owner { id }") @key(fields: "upc") { sku: ID! upc: ID! owner: A! } extend type C @key(fields: "id") { id: ID! } type D { x: Int }'));
    expect(Object.fromEntries(keys)).toEqual({
      A: [{ name: 'id', nested: false }],
      B: [{ name: 'sku', nested: false }, { name: 'owner', nested: true }],
      C: [{ name: 'id', nested: false }],
    });
  });

  it('refuses a cursor past bigint, keeps the largest one', () => {
    expect(decodeCursor(encodeCursor('9223372036854775807'))).toBe('9223372036854775807');
    expect(codeOf(() => decodeCursor(encodeCursor('9223372036854775808')))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => decodeCursor(encodeCursor('9999999999999999999')))).toBe('BAD_USER_INPUT');
  });
});

// A subgraph whose resolvers take values to the database unchecked, on the test storage (PGlite, or
// PostgreSQL with DATABASE_URL): the runtime's checks and its safety net must still answer BAD_USER_INPUT.
describe('a subgraph on the runtime', () => {
  const migrations = mkdtempSync(join(tmpdir(), 'portico-input-'));
  writeFileSync(join(migrations, '001_things.sql'), 'CREATE TABLE things (id text PRIMARY KEY, n bigint);');
  let storage: TestStorage;
  let subgraph: RunningSubgraph;
  type Ctx = SubgraphContext & { stored: string };

  beforeAll(async () => {
    storage = testStorage('input', { inMemory: true });
    subgraph = await startSubgraph<{ stored: string }>({
      name: 'things',
      typeDefs: parse(`
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
        type Thing @key(fields: "id") { id: ID! n: String }
        input Nested { deep: [String!] }
        type Query {
          save(id: ID!, nested: Nested): Boolean
          asBigint(value: String!): String
          asInt(value: String!): String
          stored: String
        }`),
      resolvers: {
        Query: {
          save: async (_: unknown, { id }: { id: string }, { db }: Ctx) => {
            await db.query('INSERT INTO things (id) VALUES ($1) ON CONFLICT DO NOTHING', [id]);
            return true;
          },
          // Unchecked numbers straight to the database: only the safety net stands in the way.
          asBigint: async (_: unknown, { value }: { value: string }, { db }: Ctx) => (await db.query<{ v: string }>('SELECT $1::bigint::text AS v', [value]))[0].v,
          asInt: { resolve: async (_: unknown, { value }: { value: string }, { db }: Ctx) => (await db.query<{ v: string }>('SELECT $1::int::text AS v', [value]))[0].v },
          stored: (_: unknown, __: unknown, ctx: Ctx) => ctx.stored,
        },
        Thing: {
          __resolveReference: async ({ id }: { id: string }, { db }: Ctx) => (await db.query('SELECT id, n::text FROM things WHERE id = $1', [id]))[0] ?? null,
        },
      },
      migrations,
      storage: storage.options,
      // Context creation that stores a claim unchecked (as provisioning does), with a value the checks let through.
      createContext: (db: Db) => async ({ identity }) => {
        if (identity.name?.startsWith('number:')) await db.query('SELECT $1::bigint', [identity.name.slice(7)]);
        return { stored: 'ok' };
      },
      gatewayKeys: TEST_GATEWAY_KEYS,
    });
  });
  afterAll(async () => {
    await subgraph?.stop();
    await storage?.cleanup();
    rmSync(migrations, { recursive: true, force: true });
  });

  const call = (query: string, variables?: Record<string, unknown>, identity = user('alice')) => callSubgraph(subgraph, query, { identity, variables });

  it('refuses an argument with a NUL, at any depth, before the resolver runs', async () => {
    for (const variables of [{ id: 'a\u0000' }, { id: 'ok', nested: { deep: ['fine', 'b\u0000'] } }]) {
      const { status, body } = await call('query($id: ID!, $nested: Nested) { save(id: $id, nested: $nested) }', variables);
      expect({ status, codes: codes(body) }).toEqual({ status: 200, codes: ['BAD_USER_INPUT'] });
    }
    expect((await call('{ a: save(id: "kept") }')).body.data).toEqual({ a: true });
  });

  it('answers a value the database refuses (SQLSTATE class 22) with BAD_USER_INPUT, other fields unharmed', async () => {
    const { status, body } = await call('{ big: asBigint(value: "99999999999999999999") notInt: asInt(value: "twelve") fine: asBigint(value: "12") }');
    expect(status).toBe(200);
    expect(body.data).toEqual({ big: null, notInt: null, fine: '12' });
    expect(codes(body)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT']);
    expect(JSON.stringify(body)).not.toMatch(/bigint|integer|out of range|syntax/);
  });

  it('refuses a representation without its key field, or with a NUL in it; the others resolve', async () => {
    const { status, body } = await call('query($r: [_Any!]!) { _entities(representations: $r) { ... on Thing { id } } }', {
      r: [{ __typename: 'Thing', id: 'kept' }, { __typename: 'Thing' }, { __typename: 'Thing', id: ['kept'] }, { __typename: 'Thing', id: 'x\u0000' }],
    });
    expect(status).toBe(200);
    expect(body.data).toEqual({ _entities: [{ id: 'kept' }, null, null, null] });
    expect(body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['_entities', 1], 'BAD_USER_INPUT'],
      [['_entities', 2], 'BAD_USER_INPUT'],
      [['_entities', 3], 'BAD_USER_INPUT'],
    ]);
  });

  it('refuses a request whose context creation the database refuses with HTTP 200 and BAD_USER_INPUT, not 500', async () => {
    const { status, body } = await call('{ stored }', undefined, user('alice', { name: 'number:99999999999999999999' }));
    expect({ status, codes: codes(body) }).toEqual({ status: 200, codes: ['BAD_USER_INPUT'] });
    expect((await call('{ stored }', undefined, user('alice', { name: 'number:1' }))).body.data).toEqual({ stored: 'ok' });
  });

  it('recognises the database errors of bad input, and only those', async () => {
    const refused = async (sql: string, params: unknown[]) => subgraph.db.query(sql, params).then(() => undefined, (error: unknown) => error);
    for (const [sql, params] of [
      ['SELECT $1::bigint', ['99999999999999999999']], // 22003
      ['SELECT $1::int', ['x']], // 22P02
      ['SELECT $1::text', ['a\u0000']], // 22021
      ['SELECT $1::uuid', ['not-a-uuid']], // 22P02
    ] as const) {
      expect(isInvalidInputError(await refused(sql, [...params]))).toBe(true);
    }
    expect(isInvalidInputError(await refused('SELECT * FROM no_such_table', []))).toBe(false); // 42P01: a bug
    expect(isInvalidInputError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isInvalidInputError(Object.assign(new Error('looks like one'), { code: '22003' }))).toBe(false);
  });
});
