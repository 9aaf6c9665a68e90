import { getOperationAST, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { analyzeCost } from '../../src/cost/analyze.js';
import { actualCost, estimateCost } from '../../src/cost/calculate.js';
import { buildCostSchema } from '../../src/cost/cost-schema.js';
import { readSupergraph } from '../../src/gateway/supergraph.js';
import { executionVariables } from '../../src/server/variables.js';

const sdl = /* GraphQL */ `
  directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
  directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
  type Query {
    book(id: ID!): Book
    books(first: Int, last: Int): [Book!]! @listSize(slicingArguments: ["first", "last"], requireOneSlicingArgument: false, assumedSize: 5)
    shelf: Shelf
    search(term: String!): [Result!]!
    bookConnection(first: Int!): BookConnection! @listSize(slicingArguments: ["first"], sizedFields: ["edges"])
    strict(first: Int, last: Int): [Book!]! @listSize(slicingArguments: ["first", "last"])
    paged(first: Int = 4): [Book!]! @listSize(slicingArguments: ["first"], assumedSize: 50, requireOneSlicingArgument: false)
    expensive: Int @cost(weight: 20)
  }
  type Mutation { addBook(title: String!): Book  heavy: Book @cost(weight: 50) }
  type Book { id: ID! title: String! author: Author! rating: Float @cost(weight: 3) tags: [String!]! }
  type Author @cost(weight: 5) { name: String! books: [Book!]! }
  type Shelf { books: [Book!]! @listSize(assumedSize: 2) }
  union Result = Book | Author
  type BookConnection { edges: [BookEdge!]! pageInfo: PageInfo! }
  type BookEdge { node: Book! }
  type PageInfo { hasNext: Boolean! }
`;
const schema = buildCostSchema(readSupergraph(sdl));
const DEFAULT_LIST_SIZE = 10;
const analysis = (query: string) => {
  const document = parse(query);
  return analyzeCost(schema, document, getOperationAST(document)!);
};
const estimate = (query: string, variables: Record<string, unknown> = {}) => estimateCost(analysis(query), variables, DEFAULT_LIST_SIZE);

// Defaults: objects, interfaces and unions 1, scalars and enums 0, a mutation's root field 10,
// a list multiplies by its slicing argument, else assumedSize, else the default list size (10 here).
describe('estimated cost', () => {
  it.each([
    ['one object, one scalar: 1', '{ book(id: 1) { title } }', {}, 1],
    ['@cost on a field (3) and on a type (Author 5): 1 + 3 + 5', '{ book(id: 1) { rating author { name } } }', {}, 9],
    ['a slicing argument: 3 × (1 + 5)', '{ books(first: 3) { title author { name } } }', {}, 18],
    ['no slicing argument: assumedSize 5 × 1', '{ books { title } }', {}, 5],
    ['two slicing arguments: the larger, 4 × 1', '{ books(first: 2, last: 4) { id } }', {}, 4],
    ['a slicing argument from a variable: 7 × 1', 'query($n: Int) { books(first: $n) { id } }', { n: 7 }, 7],
    ['sizedFields: 1 + edges 4 × (1 + node 1) + pageInfo 1', '{ bookConnection(first: 4) { edges { node { title } } pageInfo { hasNext } } }', {}, 10],
    ['a union list without @listSize: 10 × 1', '{ search(term: "x") { ... on Book { title } ... on Author { name } } }', {}, 10],
    ['aliases count twice: 2 × (1 + 3)', '{ a: book(id: 1) { rating } b: book(id: 2) { rating } }', {}, 8],
    [
      'fragments merge fields by response key: 1 + author 5 + rating 3',
      'query { book(id: 1) { ...F ...G } } fragment F on Book { author { name } } fragment G on Book { author { name } rating }',
      {},
      9,
    ],
    ['@skip true, @include true: 1 + 5', 'query($s: Boolean!) { book(id: 1) { rating @skip(if: $s) author @include(if: $s) { name } } }', { s: true }, 6],
    ['@skip false, @include false: 1 + 3', 'query($s: Boolean!) { book(id: 1) { rating @skip(if: $s) author @include(if: $s) { name } } }', { s: false }, 4],
    ['a mutation root field: 10 + author 5', 'mutation { addBook(title: "x") { id author { name } } }', {}, 15],
    ['@cost on a mutation root field replaces the 10', 'mutation { heavy { id } }', {}, 50],
    ['nested lists: 1 + 2 × (1 + (5 + 10 × 1))', '{ shelf { books { author { books { title } } } } }', {}, 33],
    ['a list of scalars costs its weight, 0', '{ book(id: 1) { tags } }', {}, 1],
    ['a scalar with @cost: 20', '{ expensive }', {}, 20],
  ])('%s', (_name, query, variables, expected) => {
    expect(estimate(query, variables)).toBe(expected);
  });

  it('needs exactly one slicing argument where @listSize requires one', () => {
    expect(() => estimate('{ strict { id } }')).toThrow(/exactly one of its slicing arguments/);
    expect(estimate('{ strict(first: 2) { id } }')).toBe(2);
  });

  // Execution applies the schema's argument defaults and the operation's variable defaults: the estimate must too.
  it("uses a slicing argument's schema default when it is left out: 4 × 1, not assumedSize 50", () => {
    expect(estimate('{ paged { id } }')).toBe(4);
    expect(estimate('{ paged(first: 7) { id } }')).toBe(7);
  });

  it('counts a variable default as the one slicing argument a field requires', () => {
    const query = 'query($n: Int = 3) { strict(first: $n) { id } }';
    const operation = getOperationAST(parse(query))!;
    expect(estimate(query, executionVariables(schema.schema, operation, {}))).toBe(3);
    expect(estimate(query, executionVariables(schema.schema, operation, { n: 6 }))).toBe(6);
  });

  it('applies @include/@skip as their variables default: 1 + 5 when $v defaults to true', () => {
    const query = 'query($v: Boolean! = true) { book(id: 1) { author @include(if: $v) { name } rating @skip(if: $v) } }';
    const operation = getOperationAST(parse(query))!;
    expect(estimate(query, executionVariables(schema.schema, operation, {}))).toBe(6);
    expect(estimate(query, executionVariables(schema.schema, operation, { v: false }))).toBe(4);
  });

  it('counts the most expensive of fields of different types under one response key, each object answering one', () => {
    // search returns Book | Author; x is Book.tags (a scalar list: 0) or Author.books(10 × (1 + rating 3)).
    const query = '{ search(term: "t") { ... on Book { x: tags } ... on Author { x: books { rating } } } }';
    // 10 results × (1 + max(0, 10 × 4)) = 410; keeping only the first alternative would say 10.
    expect(estimate(query)).toBe(410);
    const data = { search: [{ x: ['a', 'b'] }, { x: [{ rating: 1 }, { rating: 2 }] }] };
    // Each item: 1 + the larger reading of x (tags: 0; books: 2 × 4 = 8).
    expect(actualCost(analysis(query), data)).toBe(1 + 0 + 1 + 8);
  });

  it('takes the size of an undeclared list per field when one is known (learned), else the default', () => {
    const sizes = (field: string) => (field === 'Query.search' ? 2 : DEFAULT_LIST_SIZE);
    // search: 2 × 1; Author.books (undeclared, default 10): 1 + 5 + 10 × 1.
    expect(estimateCost(analysis('{ search(term: "x") { ... on Book { id } } }'), {}, sizes)).toBe(2);
    expect(estimateCost(analysis('{ book(id: 1) { author { books { id } } } }'), {}, sizes)).toBe(16);
  });
});

describe('actual cost', () => {
  it('counts the lists as they came back: 2 books × (1 + 5)', () => {
    const data = { books: [{ title: 'a', author: { name: 'x' } }, { title: 'b', author: { name: 'y' } }] };
    expect(actualCost(analysis('{ books(first: 3) { title author { name } } }'), data)).toBe(12);
  });

  it('reports the length of each list of undeclared size, not of lists sized by a slicing argument or assumedSize', () => {
    const seen: Array<[string, number]> = [];
    const data = { books: [{ author: { books: [{ id: '1' }, { id: '2' }] } }], shelf: { books: [{ id: '3' }] } };
    actualCost(analysis('{ books(first: 3) { author { books { id } } } shelf { books { id } } }'), data, (field, length) => seen.push([field, length]));
    expect(seen).toEqual([['Author.books', 2]]);
  });

  it('counts nothing for null objects and absent fields: 1 + 0', () => {
    expect(actualCost(analysis('{ book(id: 1) { author { name } } shelf { books { id } } }'), { book: { author: null }, shelf: null })).toBe(1);
  });
});
