// An entity fetch asks for each distinct entity once and answers every place it appears.
import type { FetchNode, QueryPlanSelectionNode } from '@apollo/query-planner';
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { errorPathMapper } from '../../../src/gateway/plan-executor/errors.js';
import { representation, typeMatcher } from '../../../src/gateway/plan-executor/merge.js';
import { entityBatch, flatShape, keyOf } from '../../../src/gateway/plan-executor/representations.js';

const matches = typeMatcher(buildSchema('type Product { upc: ID! price: Int } type Query { p: Product }'));
const requires: QueryPlanSelectionNode[] = [
  {
    kind: 'InlineFragment',
    typeCondition: 'Product',
    selections: [
      { kind: 'Field', name: '__typename' },
      { kind: 'Field', name: 'upc' },
      { kind: 'Field', name: 'price' },
    ],
  },
];
const fetch = { kind: 'Fetch', serviceName: 'inventory', requires, operation: '', operationKind: 'query' } as unknown as FetchNode;

describe('entity batches', () => {
  it('sends each distinct representation once and remembers every entity it stands for', () => {
    const entities = [
      { __typename: 'Product', upc: 'p1', price: 10, name: 'a' },
      { __typename: 'Product', upc: 'p2', price: 20 },
      { __typename: 'Product', upc: 'p1', price: 10, name: 'other fields do not count' },
      { __typename: 'Product', upc: 'p1', price: 11 },
    ];
    const batch = entityBatch(matches, fetch, entities);
    expect(batch.representations).toEqual([
      { __typename: 'Product', upc: 'p1', price: 10 },
      { __typename: 'Product', upc: 'p2', price: 20 },
      { __typename: 'Product', upc: 'p1', price: 11 },
    ]);
    expect(batch.entitiesOf).toEqual([[0, 2], [1], [3]]);
  });

  it('leaves out entities that cannot be represented (a required field missing)', () => {
    const batch = entityBatch(matches, fetch, [{ __typename: 'Product', upc: 'p1' }, { __typename: 'Product', upc: 'p1', price: 1 }]);
    expect(batch.representations).toEqual([{ __typename: 'Product', upc: 'p1', price: 1 }]);
    expect(batch.entitiesOf).toEqual([[1]]);
  });

  it('gives an error on a shared representation to every entity it stands for', () => {
    const root = { list: [{ p: { __typename: 'Product', upc: 'p1' } }, { p: { __typename: 'Product', upc: 'p2' } }, { p: { __typename: 'Product', upc: 'p1' } }] };
    const placesOf = errorPathMapper(fetch, ['list', '@', 'p'], root, [[0, 2], [1]]);
    expect(placesOf(['_entities', 0, 'price'])).toEqual([
      { path: ['list', 0, 'p', 'price'], entity: 0 },
      { path: ['list', 2, 'p', 'price'], entity: 2 },
    ]);
    expect(placesOf(['_entities', 1])).toEqual([{ path: ['list', 1, 'p'], entity: 1 }]);
    expect(placesOf(undefined)).toEqual([{ path: undefined, entity: -1 }]);
  });
});

describe('entity batches over shared objects', () => {
  it('counts one object under several parents at each place it appears', () => {
    const shared = { __typename: 'Product', upc: 'p1', price: 10 };
    const broken = { __typename: 'Product', upc: 'p9' };
    const batch = entityBatch(matches, fetch, [shared, broken, { __typename: 'Product', upc: 'p1', price: 10 }, shared, broken]);
    expect(batch.representations).toEqual([{ __typename: 'Product', upc: 'p1', price: 10 }]);
    expect(batch.entitiesOf).toEqual([[0, 2, 3]]);
  });
});

describe('representation keys', () => {
  it('tells apart representations whose JSON differs, however their strings are made', () => {
    const made = [
      { __typename: 'A', id: '1', x: 'a' },
      { __typename: 'A', id: '1x', x: '' },
      { __typename: 'A', id: '1', x: 1 },
      { __typename: 'A', id: '1', x: true },
      { __typename: 'A', id: '1', x: null },
      { __typename: 'A', id: '1', x: 'null' },
      { __typename: 'A', id: '1', x: { a: 1 } },
      { __typename: 'A', id: '1', x: [{ a: 1 }] },
      { __typename: 'A', id: '1=3"a', x: 'b' },
      { __typename: 'A', id: '1', x: '3"a=b' },
    ];
    const keys = new Set(made.map(keyOf));
    expect(keys.size).toBe(made.length);
    expect(keyOf({ __typename: 'A', id: '1' })).toBe(keyOf(JSON.parse('{"__typename":"A","id":"1"}')));
  });
});

describe('representations of the usual flat shape, found by their values', () => {
  it('shares a representation exactly when the values are equal, whatever their types', () => {
    const shape = flatShape(requires)!;
    expect(shape).toEqual({ typeCondition: 'Product', names: ['__typename', 'upc', 'price'] });
    const entities = [
      { __typename: 'Product', upc: 'p1', price: 1 },
      { __typename: 'Product', upc: 'p1', price: '1' },
      { __typename: 'Product', upc: 'p1', price: null },
      { __typename: 'Product', upc: 'p1', price: 'null' },
      { __typename: 'Product', upc: 'p1', price: [1, 2] },
      { __typename: 'Product', upc: 'p1', price: [1, 2], other: 'field' },
      { __typename: 'Product', upc: 'p1', price: true },
      { __typename: 'Product', upc: 'p1', price: 1, name: 'same as the first' },
      { __typename: 'Product', upc: 'p1' },
      { __typename: 'Other', upc: 'p1', price: 1 },
      { upc: 'p1', price: 1 },
    ];
    const batch = entityBatch(matches, fetch, entities);
    // Those with a list or object value are told apart by text, and come after the others.
    expect(batch.entitiesOf).toEqual([[0, 7], [1], [2], [3], [6], [4, 5]]);
    expect(batch.representations).toEqual([0, 1, 2, 3, 6, 4].map((i) => representation(matches, entities[i], requires)));
  });

  it('leaves nested selections to the general path', () => {
    expect(flatShape([{ kind: 'InlineFragment', typeCondition: 'Product', selections: [{ kind: 'Field', name: '__typename' }, { kind: 'Field', name: 'dims', selections: [{ kind: 'Field', name: 'w' }] }] }])).toBeUndefined();
    expect(flatShape([{ kind: 'Field', name: '__typename' }])).toBeUndefined();
  });
});
