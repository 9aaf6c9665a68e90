// The bench's deep graph (bench/deep: users, products, inventory, reviews; entities nested across the
// four, `@requires`) through Portico and plain @apollo/gateway: a generated corpus of deep documents,
// the bench's own query, hand-written edge cases, and each subgraph failing in each way. Portico gets
// the secured supergraph (`@authenticated`, `@requiresScopes`, `@listSize`) with a token allowed
// everything, the baseline the plain one, as in the bench.
import { readFileSync } from 'node:fs';
import { writeSupergraph } from '../../../bench/compose.js';
import { DEEP_SUBGRAPH_NAMES, deepSdl } from '../../../bench/deep/schema.js';
import { DEEP_QUERY } from '../../../bench/deep/workload.js';
import { graphById } from '../../../bench/graphs.js';
import { startSubgraphServer } from '../../../bench/subgraph-server.js';
import { composedApiSchema, describeCorpus, startPair, type Case } from '../../helpers/differential.js';
import { generateCases, type GrammarOptions } from '../../helpers/document-generator.js';
import { FAULT_MODES, faultName } from '../../helpers/fault-proxy.js';
import { token } from '../../helpers/stack.js';

const grammar: GrammarOptions = {
  schema: composedApiSchema(deepSdl(false)),
  values: {
    'Query.users.first': [0, 1, 2, 3],
    'Query.user.id': ['u1', 'u3', 'u10', 'u11', 'x'],
    'Query.topProducts.first': [0, 1, 2, 3],
    'User.reviews.first': [0, 1, 2],
    'Product.reviews.first': [0, 1, 2],
  },
  maxDepth: 8,
  maxFields: 3,
  // Entities nested deep, most of the time: the shape the deep workload is about.
  objectBias: 0.8,
};

const generated = generateCases(grammar, 110, 'generated');
const faulted = generateCases({ ...grammar, operationName: (seed) => faultName(DEEP_SUBGRAPH_NAMES[seed % 4], FAULT_MODES[Math.floor(seed / 4) % FAULT_MODES.length]) }, 24, 'generated, faulted');

const WIDE = '{ users(first: 2) { name reviews(first: 2) { body product { name inStock shippingEstimate reviews(first: 1) { author { username } } } } } }';
const faults: Case[] = DEEP_SUBGRAPH_NAMES.flatMap((subgraph) => FAULT_MODES.map((mode) => ({ name: `${subgraph} fails: ${mode}`, query: `query ${faultName(subgraph, mode)} ${WIDE}` })));

const handWritten: Case[] = [
  { name: "the bench's deep query", query: DEEP_QUERY },
  { name: "the bench's deep query, failing at inventory", query: DEEP_QUERY.replace('query Deep', `query ${faultName('inventory', 'http500')}`) },
  { name: 'six levels, one item each', query: '{ users(first: 1) { reviews(first: 1) { product { reviews(first: 1) { author { reviews(first: 1) { product { reviews(first: 1) { author { name } } } } } } } } } }' },
  { name: 'defaults all the way down', query: '{ topProducts { upc reviews { author { username reviews { id } } } } }' },
  { name: 'the same list twice with different sizes, deep', query: '{ users(first: 2) { a: reviews(first: 1) { product { upc } } b: reviews(first: 3) { product { name shippingEstimate } } } }' },
  { name: '@requires with and without its fields', query: '{ topProducts(first: 3) { shippingEstimate a: price weight } }' },
  { name: '@requires deep under reviews', query: '{ users(first: 3) { reviews(first: 2) { product { shippingEstimate inStock } } } }' },
  { name: '@requires skipped by a variable', query: 'query ($s: Boolean!) { topProducts(first: 2) { name shippingEstimate @skip(if: $s) } }', variables: { s: true } },
  { name: '@include on an entity subtree', query: 'query ($i: Boolean!) { users(first: 2) { name reviews(first: 2) @include(if: $i) { product { name } } } }', variables: { i: false } },
  { name: 'a missing user and a present one', query: '{ a: user(id: "u1") { name reviews(first: 1) { id } } b: user(id: "u99") { name } c: user(id: "x") { id } }' },
  { name: 'empty lists at every level', query: '{ users(first: 0) { id } topProducts(first: 2) { reviews(first: 0) { id } } }' },
  { name: 'a negative size fails in the subgraph', query: '{ users(first: -1) { id } topProducts(first: 1) { name } }' },
  { name: 'a negative size in an entity fetch', query: '{ topProducts(first: 2) { name reviews(first: -1) { id } } }' },
  // The same product under several reviews: asked for once, its error given at every place it appears.
  { name: 'an error on an entity that appears many times', query: `query ${faultName('products', 'entityerror')} { users(first: 4) { reviews(first: 3) { product { upc name } } } }` },
  { name: "the bench's deep query, every inventory entity failing", query: DEEP_QUERY.replace('query Deep', `query ${faultName('inventory', 'entityerror')}`) },
  { name: 'one entity under many parents, deep', query: '{ topProducts(first: 5) { reviews { author { reviews { product { upc inStock shippingEstimate } } } } } }' },
  { name: '__typename only, across the graph', query: '{ users(first: 2) { __typename reviews(first: 1) { __typename product { __typename reviews(first: 1) { __typename } } } } }' },
  { name: '__typename next to keys only', query: '{ topProducts(first: 2) { upc __typename reviews(first: 1) { id __typename author { id __typename } } } }' },
  { name: 'named fragments nested three deep', query: '{ users(first: 2) { ...U } } fragment U on User { id reviews(first: 2) { ...R } } fragment R on Review { id product { ...P } } fragment P on Product { upc inStock reviews(first: 1) { author { ...N } } } fragment N on User { name }' },
  { name: 'a fragment spread twice under different aliases', query: '{ x: users(first: 1) { ...U } y: users(first: 2) { ...U } } fragment U on User { username reviews(first: 1) { body } }' },
  { name: 'an unknown argument', query: '{ users(last: 2) { id } }' },
];

const cases = [...handWritten, ...faults, ...generated, ...faulted];

describeCorpus('differential corpus: the deep graph', cases, async () => {
  const servers = await Promise.all(DEEP_SUBGRAPH_NAMES.map(async (name) => [name, await startSubgraphServer(graphById('deep').schema(name))] as const));
  const urls = Object.fromEntries(servers.map(([name, s]) => [name, s.url]));
  const pair = await startPair({
    supergraphPath: writeSupergraph(graphById('deep'), urls, { secured: true }),
    plainSupergraphSdl: readFileSync(writeSupergraph(graphById('deep'), urls), 'utf8'),
    urls,
    stopSubgraphs: async () => void (await Promise.all(servers.map(([, s]) => s.stop()))),
  });
  return { pair, token: await token('reader', { scope: 'reviews:read' }) };
});
