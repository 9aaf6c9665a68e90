// The response's shape from the merged subgraph answers, as @apollo/gateway's computeResponse makes it.
import { buildSchema, getOperationAST, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { compileOperation } from '../../../src/gateway/plan-executor/shape.js';

const schema = buildSchema(`
  interface Product { upc: ID! name: String }
  type Book implements Product { upc: ID! name: String author: Author! pages: Int }
  type Chair implements Product { upc: ID! name: String legs: Int }
  type Author { name: String! }
  enum Color { RED GREEN }
  type Query { products: [Product] product: Product top: [Product!] color: Color }
`);

function shape(query: string, input: Record<string, unknown>, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  return compileOperation(schema, document, getOperationAST(document)!).shape(input, variables);
}

describe('shaping the merged answers', () => {
  it('keeps the client’s aliases and field order and drops what only the plan fetched', () => {
    const { data } = shape('{ product { title: name upc } }', { product: { __typename: 'Book', upc: 'b1', name: 'Dune', title: 'Dune', portico_key: 1, author: { name: 'x' } } });
    expect(JSON.stringify(data)).toBe('{"product":{"title":"Dune","upc":"b1"}}');
  });

  it('applies type conditions by each object’s __typename, named fragments included', () => {
    const { data } = shape('{ products { __typename ... on Book { pages } ...C } } fragment C on Chair { legs }', {
      products: [
        { __typename: 'Book', pages: 300, legs: 9 },
        { __typename: 'Chair', pages: 1, legs: 4 },
      ],
    });
    expect(data).toEqual({ products: [{ __typename: 'Book', pages: 300 }, { __typename: 'Chair', legs: 4 }] });
  });

  it('answers an aliased __typename (the authorization placeholder) with the type name', () => {
    const { data } = shape('{ product { portico__empty: __typename } }', { product: { __typename: 'Chair' } });
    expect(data).toEqual({ product: { portico__empty: 'Chair' } });
  });

  it('merges the selections of a field selected twice, in first-seen order', () => {
    const { data } = shape('{ product { ... on Book { author { name } } upc ... on Book { upc author { __typename } } } }', {
      product: { __typename: 'Book', upc: 'b1', author: { __typename: 'Author', name: 'Herbert' } },
    });
    expect(JSON.stringify(data)).toBe('{"product":{"author":{"name":"Herbert","__typename":"Author"},"upc":"b1"}}');
  });

  it('nulls the nearest nullable parent of a null non-null field, the error in valueCompletion’s words', () => {
    const { data, errors } = shape('{ products { upc ... on Book { author { name } } } }', {
      products: [{ __typename: 'Book', upc: 'b1', author: { name: null } }, { __typename: 'Book', upc: 'b2', author: { name: 'A' } }],
    });
    expect(data).toEqual({ products: [null, { upc: 'b2', author: { name: 'A' } }] });
    // Book.author is non-null too: the null goes up to the book, a nullable list element.
    expect(errors.map((e) => [e.message, (e as { path?: unknown }).path])).toEqual([['Cannot return null for non-nullable field Author.name.', ['products', 0, 'author', 'name']]]);
  });

  it('nulls a whole list of non-null elements when one is null', () => {
    const { data, errors } = shape('{ top { upc } }', { top: [{ __typename: 'Book', upc: 'b1' }, null] });
    expect(data).toEqual({ top: null });
    expect(errors[0].message).toBe('Cannot return null for non-nullable array element of type Product at index 1.');
  });

  it('nulls a leaf that does not fit its type, with an error', () => {
    const { data, errors } = shape('{ color product { ... on Book { pages } } }', { color: 'BLUE', product: { __typename: 'Book', pages: 1.5 } });
    expect(data).toEqual({ color: null, product: { pages: null } });
    expect(errors.map((e) => e.message)).toEqual(['Invalid value found for field Query.color.', 'Invalid value found for field Book.pages.']);
  });

  it('follows @skip and @include by the variables of each request, not of the first', () => {
    const query = 'query ($more: Boolean!) { product { upc name @include(if: $more) } }';
    const input = { product: { __typename: 'Book', upc: 'b1', name: 'Dune' } };
    const document = parse(query);
    const compiled = compileOperation(schema, document, getOperationAST(document)!);
    expect(compiled.shape(input, { more: true }).data).toEqual({ product: { upc: 'b1', name: 'Dune' } });
    expect(compiled.shape(input, { more: false }).data).toEqual({ product: { upc: 'b1' } });
  });

  it('says when a document introspects (left to @apollo/gateway)', () => {
    const document = parse('{ __type(name: "Book") { name } }');
    expect(compileOperation(schema, document, getOperationAST(document)!).introspects).toBe(true);
  });
});
