// The products graph (test/fixtures/products-graph.ts: an interface, a union, a list of lists,
// @requires, @provides, @override, a compound key, errors from subgraph fields) through Portico and
// plain @apollo/gateway: a generated corpus, hand-written edge cases, and each subgraph failing in
// each way (test/helpers/fault-proxy.ts).
import { accountsSdl, inventorySdl, productsSdl, reviewsSdl, startProductsGraph } from '../../fixtures/products-graph.js';
import { composedApiSchema, describeCorpus, startPair, type Case } from '../../helpers/differential.js';
import { generateCases, type GrammarOptions } from '../../helpers/document-generator.js';
import { FAULT_MODES, faultName } from '../../helpers/fault-proxy.js';
import { token } from '../../helpers/stack.js';

const SUBGRAPHS = ['products', 'inventory', 'reviews', 'accounts'] as const;

const grammar: GrammarOptions = {
  schema: composedApiSchema({ products: productsSdl, inventory: inventorySdl, reviews: reviewsSdl, accounts: accountsSdl }),
  values: {
    'Query.topProducts.first': [0, 1, 2, 5],
    'Query.product.upc': ['b1', 'b2', 'f1', 'nope'],
    'Query.reviews.minRating': [0, 3, 4, 6],
    'Query.user.id': ['u1', 'u2', 'nobody'],
    'Query.search.term': ['', 'e', 'dune', 'CHAIR', 'zzz'],
  },
  // Written by hand below: they fail whole lists (failingReview, and verified's null propagating up).
  exclude: ['Query.failingReview', 'Review.verified'],
  maxDepth: 5,
};

const generated = generateCases(grammar, 200, 'generated');

/** Documents generated with a fault aimed at one subgraph, round the subgraphs and the modes. */
const faulted = generateCases({ ...grammar, operationName: (seed) => faultName(SUBGRAPHS[seed % 4], FAULT_MODES[Math.floor(seed / 4) % FAULT_MODES.length]) }, 48, 'generated, faulted');

/** A document reaching all four subgraphs, failed at each one in each way. */
const WIDE = `{ topProducts { name ... on Book { inStock shippingEstimate reviews { body author { username email nickname } } } } reviews(minRating: 4) { id } }`;
const faults: Case[] = SUBGRAPHS.flatMap((subgraph) =>
  FAULT_MODES.map((mode) => ({ name: `${subgraph} fails: ${mode}`, query: `query ${faultName(subgraph, mode)} ${WIDE}` })),
);

const handWritten: Case[] = [
  { name: 'interface list with inline fragments', query: '{ topProducts { __typename upc name ... on Book { author inStock } ... on Furniture { material } } }' },
  { name: 'interface fields only', query: '{ topProducts(first: 3) { upc name price } }' },
  { name: 'union with inline fragments', query: '{ search(term: "") { __typename ... on Book { name inStock reviews { rating } } ... on Furniture { name material } } }' },
  { name: 'union, __typename only', query: '{ search(term: "e") { __typename } }' },
  { name: 'union, one member only', query: '{ search(term: "") { ... on Furniture { upc material } } }' },
  { name: 'union with a named fragment on the interface', query: '{ search(term: "") { ... on Product { ...P } } } fragment P on Product { upc price ... on Book { weight } }' },
  { name: 'list of lists of an interface, with a null inside', query: '{ shelves { __typename upc name ... on Book { inStock shippingEstimate averageRating } } }' },
  { name: 'list of lists, entities three subgraphs away', query: '{ shelves { ... on Book { reviews { author { username email nickname } } } } }' },
  { name: 'list of lists, aliased twice', query: '{ a: shelves { upc } b: shelves { name ... on Book { storedIn { name } } } }' },
  { name: 'same field aliased twice with different args', query: '{ one: topProducts(first: 1) { upc } two: topProducts(first: 2) { upc name } }' },
  { name: 'same entity field aliased twice', query: '{ product(upc: "b1") { ... on Book { x: reviews { id } y: reviews { rating author { id } } } } }' },
  { name: 'aliases on the same field', query: '{ dune: product(upc: "b1") { name price } chair: product(upc: "f1") { label: name } }' },
  { name: 'alias shadowing another field name', query: '{ books { name: author author: name upc: price } }' },
  {
    name: 'named fragments and variables',
    query: 'query ($upc: ID!) { product(upc: $upc) { ...P } } fragment P on Product { upc name ... on Book { ...R } } fragment R on Book { reviews { rating author { username } } }',
    variables: { upc: 'b1' },
  },
  { name: 'fragment spread twice, merging', query: '{ books { ...A ...B } } fragment A on Book { reviews { id } } fragment B on Book { reviews { body author { email } } }' },
  { name: 'nested fragments through three subgraphs', query: '{ users { ...U } } fragment U on User { username reviews { ...R } } fragment R on Review { product { ...B } } fragment B on Book { inStock shippingEstimate }' },
  {
    name: '@skip and @include with variables',
    query: 'query ($withReviews: Boolean!, $noPrice: Boolean!) { books { name price @skip(if: $noPrice) reviews @include(if: $withReviews) { body } } }',
    variables: { withReviews: true, noPrice: true },
  },
  {
    name: '@skip and @include the other way',
    query: 'query ($withReviews: Boolean!, $noPrice: Boolean!) { books { name price @skip(if: $noPrice) reviews @include(if: $withReviews) { body } } }',
    variables: { withReviews: false, noPrice: false },
  },
  { name: '@skip and @include both on one field', query: '{ books { name @skip(if: false) @include(if: true) upc @skip(if: true) @include(if: true) } }' },
  { name: '@include on a fragment spread and an inline fragment', query: 'query ($t: Boolean = true) { books { ...N @include(if: $t) ... @skip(if: $t) { price } } } fragment N on Book { name }' },
  { name: '@skip on a field whose other copy stays', query: '{ books { reviews @skip(if: true) { id } reviews { body } } }' },
  { name: '@skip on a @requires field', query: 'query ($s: Boolean!) { books { upc shippingEstimate @skip(if: $s) } }', variables: { s: true } },
  { name: 'everything skipped below the root', query: '{ books @skip(if: true) { name } __typename }' },
  { name: '@requires across subgraphs', query: '{ books { upc shippingEstimate } }' },
  { name: '@requires with the required fields asked too', query: '{ books { price weight shippingEstimate } }' },
  { name: '@requires through an interface', query: '{ topProducts { ... on Book { shippingEstimate } } }' },
  { name: '@provides and the owner', query: '{ reviews { author { username email } } }' },
  { name: '@provides only', query: '{ reviews { author { id username } } }' },
  { name: '@override: the new owner answers', query: '{ books { upc inStock } product(upc: "b2") { ... on Book { inStock } } }' },
  { name: 'compound key entity', query: '{ books { storedIn { region code name stock } } }' },
  { name: 'nested lists across four subgraphs', query: '{ users { username reviews { rating product { name inStock averageRating storedIn { name } } } } }' },
  { name: 'entity by id, back and forth', query: 'query ($id: ID!) { user(id: $id) { reviews { product { reviews { author { email } } } } } }', variables: { id: 'u1' } },
  { name: 'deep round trip', query: '{ books { reviews { author { reviews { product { reviews { author { reviews { product { name shippingEstimate } } } } } } } } } }' },
  { name: 'variables with defaults', query: 'query ($min: Int = 4) { reviews(minRating: $min) { id rating } }' },
  { name: 'a variable given null for a defaulted argument', query: 'query ($n: Int) { topProducts(first: $n) { upc } }', variables: { n: null } },
  { name: 'a missing entity is null', query: '{ product(upc: "nope") { name } user(id: "nobody") { username } }' },
  { name: 'a null nullable field', query: '{ topProducts { ... on Furniture { material } ... on Book { averageRating } } }' },
  { name: '__typename everywhere', query: '{ __typename books { __typename storedIn { __typename } reviews { __typename author { __typename } } } }' },
  { name: '__typename only, on an entity from another subgraph', query: '{ reviews { product { __typename } author { __typename } } }' },
  { name: '__typename aliased', query: '{ t: __typename books { kind: __typename k2: __typename } search(term: "") { t: __typename } }' },
  { name: '__typename in a fragment on an interface', query: '{ topProducts { ...T } } fragment T on Product { __typename ... on Book { __typename } }' },
  { name: 'a failing subgraph field', query: '{ failingReview { id } }' },
  { name: 'partial data with an error', query: '{ books { name } failingReview { body } }' },
  { name: 'a nullable field failing in a list', query: '{ reviews { id editorNote } }' },
  { name: 'a nullable field failing in an entity fetch', query: '{ users { id nickname } reviews { author { nickname } } }' },
  { name: 'entity fetch errors under aliases', query: '{ reviews { who: author { n: nickname } } }' },
  { name: 'a non-null field failing: null up to the list', query: '{ reviews { id verified } }' },
  { name: 'a non-null field failing in an entity fetch', query: '{ books { name reviews { id verified } } }' },
  { name: 'a non-null failure next to healthy roots', query: '{ user(id: "u1") { reviews { verified } } product(upc: "b2") { name } }' },
  { name: 'a non-null failure under a nullable root', query: '{ product(upc: "b2") { ... on Book { reviews { verified } } } }' },
  { name: 'errors from three places at once', query: '{ failingReview { id } reviews { editorNote verified } users { nickname } }' },
  { name: 'authorization-guarded fields, caller allowed', query: '{ warehouses { name stock } }' },
  { name: 'an unknown field', query: '{ books { nope } }' },
  { name: 'an @inaccessible field', query: '{ books { costPrice } }' },
  { name: 'a missing required variable', query: 'query ($upc: ID!) { product(upc: $upc) { name } }' },
  { name: 'a variable of the wrong type', query: 'query ($n: Int) { topProducts(first: $n) { upc } }', variables: { n: 'two' } },
  { name: 'a fragment on a type that cannot be there', query: '{ books { ... on Furniture { material } } }' },
  { name: 'conflicting fields under one name', query: '{ books { x: name x: price } }' },
  { name: 'a selection on a leaf', query: '{ books { name { length } } }' },
  { name: 'an unused variable', query: 'query ($u: ID) { books { upc } }' },
  { name: 'a syntax error', query: '{ books { name }' },
  { name: 'introspection of an entity', query: '{ __type(name: "Book") { name fields { name type { name kind ofType { name } } } interfaces { name } } }' },
  {
    name: 'two operations, none chosen',
    query: 'query A { books { upc } } query B { users { id } }',
    // The baseline answers 500 INVALID_GRAPHQL.
    byDesign: { why: 'a refusal of the client’s document: 400', status: 400, code: 'OPERATION_RESOLUTION_FAILURE' },
  },
  {
    name: '@skip on a variable given null',
    query: 'query ($s: Boolean = true) { books { upc @skip(if: $s) name } }',
    variables: { s: null },
    byDesign: { why: 'the gateway evaluates @skip/@include itself and refuses a null condition', status: 400, code: 'BAD_USER_INPUT' },
  },
  { name: 'an anonymous operation next to a named one', query: '{ books { upc } } query B { users { id } }' },
  { name: 'only __typename', query: '{ __typename }' },
  { name: 'an empty document', query: '' },
  {
    name: 'a subscription on a graph without subscriptions',
    query: 'subscription { books { upc } }',
    // The baseline answers 500 INVALID_GRAPHQL (its executor finds no root type); it is the client's document.
    byDesign: { why: 'a document for a root type the schema lacks: 400', status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  },
  {
    name: 'a mutation on a graph without mutations',
    query: 'mutation { books { upc } }',
    byDesign: { why: 'a document for a root type the schema lacks: 400', status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  },
  { name: 'a float for an Int variable', query: 'query ($n: Int) { topProducts(first: $n) { upc } }', variables: { n: 1.5 } },
  { name: 'a number for an ID variable', query: 'query ($u: ID!) { product(upc: $u) { upc } }', variables: { u: 7 } },
  { name: 'a nullable variable for a non-null argument', query: 'query ($u: ID) { product(upc: $u) { upc } }', variables: { u: 'b1' } },
  { name: 'an unknown variable given', query: '{ books { upc } }', variables: { extra: 1 } },
  { name: 'a list for a scalar variable', query: 'query ($t: String!) { search(term: $t) { __typename } }', variables: { t: ['a'] } },
  { name: 'introspection of the query type', query: '{ __schema { queryType { name fields { name args { name defaultValue } } } } }' },
  { name: 'introspection of the union', query: '{ __type(name: "SearchResult") { kind possibleTypes { name } } }' },
];

const cases = [...handWritten, ...faults, ...generated, ...faulted];

describeCorpus('differential corpus: the products graph', cases, async () => {
  const graph = await startProductsGraph();
  const pair = await startPair({ supergraphPath: graph.supergraphPath, plainSupergraphSdl: graph.supergraphSdl, urls: graph.urls, stopSubgraphs: graph.stop });
  return { pair, token: await token('auditor', { scope: 'inventory:read' }) };
});
