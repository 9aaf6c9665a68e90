import { describe, expect, it } from 'vitest';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { compareSupergraphs, coordinateOf, formatChanges } from '../../src/gateway/schema-check.js';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@authenticated"])';
const shop = (products: string, stock: string) => {
  const result = composeServices([
    { name: 'products', url: 'http://127.0.0.1:1/graphql', typeDefs: parse(`${LINK}\n${products}`) },
    { name: 'stock', url: 'http://127.0.0.1:2/graphql', typeDefs: parse(`${LINK}\n${stock}`) },
  ]);
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.supergraphSdl;
};
const PRODUCTS = 'type Product @key(fields: "id") { id: ID! name: String! price: Int } enum Size { S M } type Query { products(size: Size): [Product!]! @authenticated }';
const STOCK = 'type Product @key(fields: "id") { id: ID! inStock: Boolean! }';
const served = shop(PRODUCTS, STOCK);

describe('compareSupergraphs', () => {
  it('finds nothing between a supergraph and itself, nor in join or auth directives', () => {
    expect(compareSupergraphs(served, served)).toEqual([]);
    expect(compareSupergraphs(served, shop(PRODUCTS.replace(' @authenticated', ''), STOCK))).toEqual([]);
  });

  it('names a removed field, the subgraph it came from, and what to do', () => {
    const [change] = compareSupergraphs(served, shop(PRODUCTS, 'type Product @key(fields: "id") { id: ID! }'));
    expect(change).toMatchObject({ level: 'breaking', type: 'FIELD_REMOVED', coordinate: 'Product.inStock', subgraphs: ['stock'] });
    expect(change.advice).toMatch(/@deprecated/);
  });

  it('reports a changed type and tightened argument as breaking, with the subgraph that now defines it', () => {
    const changes = compareSupergraphs(served, shop(PRODUCTS.replace('price: Int', 'price: Float').replace('(size: Size)', '(size: Size!)'), STOCK));
    expect(changes.map((c) => [c.level, c.type, c.coordinate, c.subgraphs])).toEqual([
      ['breaking', 'FIELD_CHANGED_KIND', 'Product.price', ['products']],
      ['breaking', 'ARG_CHANGED_KIND', 'Query.products', ['products']],
    ]);
  });

  it('reports an enum value added as dangerous, and additions of fields as nothing', () => {
    const changes = compareSupergraphs(served, shop(PRODUCTS.replace('{ S M }', '{ S M L }').replace('price: Int', 'price: Int colour: String'), STOCK));
    expect(changes.map((c) => [c.level, c.type, c.coordinate, c.subgraphs])).toEqual([['dangerous', 'VALUE_ADDED_TO_ENUM', 'Size.L', ['products']]]);
  });
});

describe('formatChanges', () => {
  it('prints one block per change, breaking first, with the subgraph and the advice', () => {
    const text = formatChanges(compareSupergraphs(served, shop(PRODUCTS.replace('{ S M }', '{ S M L }'), 'type Product @key(fields: "id") { id: ID! }')));
    expect(text).toBe(
      '1 breaking change:\n' +
        '  Product.inStock (subgraph stock): Product.inStock was removed.\n' +
        '    what to do: Operations selecting this field fail validation. Deprecate it with @deprecated(reason: ...) and remove it once no client selects it.\n' +
        '1 dangerous change:\n' +
        '  Size.L (subgraph products): L was added to enum type Size.\n' +
        '    what to do: Clients that switch over this enum may not handle the new value.\n',
    );
  });

  it('says so when nothing changed', () => expect(formatChanges([])).toBe('No breaking or dangerous changes to the API schema.\n'));
});

describe('coordinateOf', () => {
  it.each([
    ['Product.inStock was removed.', 'Product.inStock'],
    ['Size was removed.', 'Size'],
    ['@tag was removed.', '@tag'],
    ['L was removed from enum type Size.', 'Size.L'],
    ['Vault was removed from union type SearchResult.', 'SearchResult'],
    ['Query.products arg size has changed type from Size to Size!.', 'Query.products'],
  ])('%s → %s', (description, coordinate) => expect(coordinateOf(description)).toBe(coordinate));
});
