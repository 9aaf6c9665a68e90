// Merging subgraph answers into one tree in place, as @apollo/gateway's executor merges them.
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { applyRewrites, deepMerge, entitiesOf, representation, typeMatcher, valuesAt } from '../../../src/gateway/plan-executor/merge.js';

const supergraph = buildSchema(`
  interface Product { upc: ID! }
  type Book implements Product { upc: ID! isbn: String }
  type Chair implements Product { upc: ID! }
  type Query { products: [Product] }
`);
const matches = typeMatcher(supergraph);

describe('merging answers', () => {
  it('merges an entity’s answer into the object already in the tree, without copying it', () => {
    const author = { id: 'u1' };
    const tree = { reviews: [{ id: 'r1', author }] };
    deepMerge(author, { name: 'Ada', address: { city: 'X' } });
    deepMerge(tree, { reviews: [{ body: 'good' }] });
    expect(tree.reviews[0].author).toBe(author);
    expect(tree).toEqual({ reviews: [{ id: 'r1', body: 'good', author: { id: 'u1', name: 'Ada', address: { city: 'X' } } }] });
  });

  it('replaces a list of another length', () => {
    expect(deepMerge({ a: [1, 2] }, { a: [3] })).toEqual({ a: [3] });
  });

  it('keeps a key named __proto__ as data, never as the prototype', () => {
    const target: Record<string, unknown> = {};
    deepMerge(target, JSON.parse('{"__proto__": {"polluted": true}}'));
    expect(Object.getPrototypeOf(target)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(target, '__proto__')).toBe(true);
  });

  it('finds the entities below a path through every list (`@`), nulls left out', () => {
    const tree = { users: [{ reviews: [{ p: 1 }, null] }, { reviews: null }, { reviews: [{ p: 2 }] }] };
    expect(entitiesOf(valuesAt(tree, ['users', '@', 'reviews', '@']))).toEqual([{ p: 1 }, { p: 2 }]);
    expect(valuesAt(tree, ['nothing'])).toBeUndefined();
  });

  it('makes a representation of the required fields, none when one is missing', () => {
    const requires = [{ kind: 'InlineFragment' as const, typeCondition: 'Book', selections: [{ kind: 'Field' as const, name: '__typename' }, { kind: 'Field' as const, name: 'upc' }] }];
    expect(representation(matches, { __typename: 'Book', upc: 'b1', title: 'x' }, requires)).toEqual({ __typename: 'Book', upc: 'b1' });
    expect(representation(matches, { __typename: 'Chair', upc: 'c1' }, requires)).toEqual({});
    expect(representation(matches, { upc: 'b1' }, [{ kind: 'Field', name: '__typename' }])).toBeNull();
  });

  it('renames keys and sets values where the plan says, by type condition', () => {
    const value = { _entities: [{ __typename: 'Book', isbn__alias_0: '1' }, { __typename: 'Chair', isbn__alias_0: '2' }] };
    applyRewrites(matches, [{ kind: 'KeyRenamer', path: ['... on Book', 'isbn__alias_0'], renameKeyTo: 'isbn' }], value._entities);
    expect(value._entities[0]).toMatchObject({ isbn: '1' });
    expect(value._entities[1]).not.toHaveProperty('isbn');
    const rep: Record<string, unknown> = { __typename: 'Book' };
    applyRewrites(matches, [{ kind: 'ValueSetter', path: ['... on Product', '__typename'], setValueTo: 'Product' }], rep);
    expect(rep.__typename).toBe('Product');
  });
});
