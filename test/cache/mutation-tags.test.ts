import { buildSchema, getOperationAST, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { KEY_PREFIX, takeEntityTags, TYPENAME_KEY, type EntityModel } from '../../src/cache/entity-keys.js';
import { declaredEntityTags, mutationArgumentIds } from '../../src/cache/mutation-tags.js';
import { RESERVED_PREFIX, ReservedResponseKeysRule } from '../../src/cache/reserved-keys.js';
import { declaredInvalidations } from '../../src/gateway/subgraph-data-source.js';
import { executionVariables } from '../../src/server/variables.js';

const schema = buildSchema(`
  type Query { a: Int }
  input Ref { id: ID!, note: String }
  input Batch { refs: [Ref!]!, owner: ID, tags: [ID!] }
  type Mutation {
    remove(id: ID!): ID!
    removeAll(batch: Batch!): Int
    rename(ref: Ref!, title: String!): Int
    count(n: Int): Int
  }
`);

const idsOf = (query: string, variables: Record<string, unknown> = {}) => {
  const document = parse(query);
  const operation = getOperationAST(document)!;
  return [...mutationArgumentIds(schema, document, operation, executionVariables(schema, operation, variables))].sort();
};

describe('the ids a mutation is given', () => {
  it.each([
    ['a literal', 'mutation { remove(id: "a") }', {}, ['a']],
    ['a variable', 'mutation($x: ID!) { remove(id: $x) }', { x: 'b' }, ['b']],
    ['a variable default', 'mutation($x: ID! = "c") { remove(id: $x) }', {}, ['c']],
    ['an Int sent for an ID, as execution coerces it', 'mutation($x: ID!) { remove(id: $x) }', { x: 7 }, ['7']],
    ['inside an input object', 'mutation { rename(ref: { id: "d", note: "n" }, title: "t") }', {}, ['d']],
    ['inside an input object from a variable', 'mutation($r: Ref!) { rename(ref: $r, title: "t") }', { r: { id: 'e' } }, ['e']],
    [
      'in lists inside nested input objects',
      'mutation($b: Batch!) { removeAll(batch: $b) }',
      { b: { refs: [{ id: 'f' }, { id: 'g' }], owner: 'h', tags: ['i'] } },
      ['f', 'g', 'h', 'i'],
    ],
    ['a single value for a list (input coercion)', 'mutation { removeAll(batch: { refs: { id: "j" }, tags: "k" }) }', {}, ['j', 'k']],
    ['in an inline fragment, under an alias', 'mutation { ... on Mutation { x: remove(id: "l") } }', {}, ['l']],
    ['in a fragment spread', 'mutation { ...M } fragment M on Mutation { remove(id: "m") ...N } fragment N on Mutation { y: remove(id: "n") }', {}, ['m', 'n']],
    ['no ID argument', 'mutation { count(n: 3) }', {}, []],
  ])('%s', (_name, query, variables, expected) => {
    expect(idsOf(query, variables)).toEqual(expected);
  });
});

describe("the tags of an entity a subgraph declared it changed", () => {
  const model: EntityModel = { schema, keys: new Map([['Todo', ['id']], ['Stock', ['region', 'code']]]) };
  it('match the tags its cached answers carry, key fields in the model order', () => {
    expect(declaredEntityTags(model, 'Todo', { id: 'x' })).toEqual(['e:Todo:{"id":"x"}', 'l:Todo', 'id:x']);
    expect(declaredEntityTags(model, 'Stock', { code: 'A', region: 'eu' })).toEqual(['e:Stock:{"region":"eu","code":"A"}', 'l:Stock']);
    // Values as strings, as takeEntityTags keeps them: an Int key declared as a number matches.
    expect(declaredEntityTags(model, 'Todo', { id: 7 })).toEqual(['e:Todo:{"id":"7"}', 'l:Todo', 'id:7']);
    expect([...takeEntityTags({ portico__typename: 'Todo', portico__k_id: 7 }).tags]).toContain('e:Todo:{"id":"7"}');
  });
  it('fall back to every entity of the type when the key is not the whole key', () => {
    expect(declaredEntityTags(model, 'Stock', { code: 'A' })).toEqual(['type:Stock', 'l:Stock']);
  });
});

describe("a subgraph's declared invalidations", () => {
  it('keeps well-formed entity entries for this subgraph and ignores the rest', () => {
    const declared = declaredInvalidations(
      [
        { kind: 'entity', subgraph: 'todos', type: 'Todo', key: { id: '1' } },
        { kind: 'entity', type: 'Todo', key: { id: 2 } },
        { kind: 'entity', subgraph: 'users', type: 'User', key: { id: '3' } },
        { kind: 'entity', type: 'Todo', key: {} },
        { kind: 'entity', type: 'Todo', key: { id: { nested: true } } },
        { kind: 'type', type: 'Todo' },
        null,
        'nonsense',
      ],
      'todos',
    );
    expect(declared).toEqual([
      { type: 'Todo', key: { id: '1' } },
      { type: 'Todo', key: { id: 2 } },
    ]);
    expect(declaredInvalidations({ not: 'a list' }, 'todos')).toEqual([]);
  });
});

describe('the reserved response keys', () => {
  it("cover both of the cache's own keys", () => {
    expect(TYPENAME_KEY.startsWith(RESERVED_PREFIX)).toBe(true);
    expect(KEY_PREFIX.startsWith(RESERVED_PREFIX)).toBe(true);
  });
  it('are refused by the validation rule, aliases and names alike; other keys pass', () => {
    const withField = buildSchema('type Query { portico__legacy: Int, a: Int }');
    const errors = (query: string) => validate(withField, parse(query), [ReservedResponseKeysRule]).map((e) => e.message);
    expect(errors('{ portico__x: a }')).toEqual([expect.stringMatching(/"portico__x" is reserved/)]);
    expect(errors('{ portico__legacy }')).toHaveLength(1);
    expect(errors('{ legacy: portico__legacy porticoX: a portico_y: a }')).toEqual([]);
  });
});
