// Portico's features never change a response's data for a caller who may see everything: the same
// documents through Portico and through plain @apollo/gateway + @apollo/server give the same answers.
import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import type { Fetcher } from '@apollo/utils.fetcher';
import { startStandaloneServer } from '@apollo/server/standalone';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayCompatibleSupergraph } from '../../src/gateway/supergraph-file.js';
import { signedFetcher } from '../../src/gateway/sign-requests.js';
import { createRequestSigner, encodeIdentity, IDENTITY_HEADER, type Identity } from '../../src/identity/signed-identity.js';
import { startProductsGraph, type ProductsGraph } from '../fixtures/products-graph.js';
import { graphql, startGateway, startStack, SUBGRAPH_SECRET, token, type GraphQLResult, type Stack } from '../helpers/stack.js';

interface Case {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
}

const cases: Case[] = [
  { name: 'interface list with inline fragments', query: '{ topProducts { __typename upc name ... on Book { author inStock } ... on Furniture { material } } }' },
  { name: 'default and given arguments', query: '{ a: topProducts { upc } b: topProducts(first: 1) { upc } }' },
  {
    name: 'named fragments and variables',
    query: 'query ($upc: ID!) { product(upc: $upc) { ...P } } fragment P on Product { upc name ... on Book { ...R } } fragment R on Book { reviews { rating author { username } } }',
    variables: { upc: 'b1' },
  },
  { name: 'aliases on the same field', query: '{ dune: product(upc: "b1") { name price } chair: product(upc: "f1") { label: name } }' },
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
  { name: '@requires across subgraphs', query: '{ books { upc shippingEstimate } }' },
  { name: '@provides and the owner', query: '{ reviews { author { username email } } }' },
  { name: 'compound key entity', query: '{ books { storedIn { region code name stock } } }' },
  { name: 'nested lists across four subgraphs', query: '{ users { username reviews { rating product { name inStock averageRating storedIn { name } } } } }' },
  { name: 'entity by id, back and forth', query: 'query ($id: ID!) { user(id: $id) { reviews { product { reviews { author { email } } } } } }', variables: { id: 'u1' } },
  { name: 'variables with defaults', query: 'query ($min: Int = 4) { reviews(minRating: $min) { id rating } }' },
  { name: 'a missing entity is null', query: '{ product(upc: "nope") { name } user(id: "nobody") { username } }' },
  { name: '__typename everywhere', query: '{ __typename books { __typename storedIn { __typename } reviews { __typename author { __typename } } } }' },
  { name: 'a failing subgraph field', query: '{ failingReview { id } }' },
  { name: 'partial data with an error', query: '{ books { name } failingReview { body } }' },
  { name: 'authorization-guarded fields, caller allowed', query: '{ warehouses { name stock } }' },
  { name: 'an unknown field', query: '{ books { nope } }' },
  { name: 'an @inaccessible field', query: '{ books { costPrice } }' },
  { name: 'a missing required variable', query: 'query ($upc: ID!) { product(upc: $upc) { name } }' },
  { name: 'introspection of an entity', query: '{ __type(name: "Book") { name fields { name type { name kind ofType { name } } } interfaces { name } } }' },
];

/** What must match: status, data, and each error's code and path. */
function comparable({ status, body }: GraphQLResult) {
  return { status, data: body.data, errors: body.errors?.map((e) => ({ code: e.extensions?.code, path: e.path })) };
}

async function startPlainGateway(gateway: ApolloGateway): Promise<{ server: ApolloServer; url: string }> {
  const server = new ApolloServer({ gateway });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { server, url };
}

// Both of Portico's executors (gateway.executor) against plain @apollo/gateway.
const executors = ['portico', 'apollo'] as const;

describe.each(executors)('differential (%s executor): Portico and plain @apollo/gateway answer alike', (executor) => {
  let graph: ProductsGraph;
  let portico: Awaited<ReturnType<typeof startGateway>>;
  let plain: ApolloServer;
  let plainUrl: string;
  let everything: string;

  beforeAll(async () => {
    graph = await startProductsGraph();
    portico = await startGateway(graph.urls, { supergraph: { path: graph.supergraphPath }, gateway: { executor } });
    ({ server: plain, url: plainUrl } = await startPlainGateway(new ApolloGateway({ supergraphSdl: gatewayCompatibleSupergraph(graph.supergraphSdl) })));
    everything = await token('auditor', { scope: 'inventory:read' });
  });
  afterAll(async () => {
    await portico?.server.stop();
    await plain?.stop();
    await graph?.stop();
  });

  it('has at least fifteen documents', () => expect(cases.length).toBeGreaterThanOrEqual(15));

  it.each(cases)('$name', async ({ query, variables }) => {
    const [ours, theirs] = await Promise.all([graphql(portico.url, query, { variables, token: everything }), graphql(plainUrl, query, { variables })]);
    expect(comparable(ours)).toEqual(comparable(theirs));
    if (theirs.body.data !== undefined) expect(ours.body.data).not.toBeUndefined();
  });
});

const demoCases: Case[] = [
  { name: 'me', query: '{ me { id name email } }' },
  { name: 'my to-dos with owners', query: '{ todos { nodes { title completed owner { id name } } pageInfo { hasNextPage } } }' },
  { name: 'a page with variables', query: 'query ($first: Int) { todos(first: $first) { nodes { title } pageInfo { hasNextPage } } }', variables: { first: 1 } },
  { name: 'users with their to-dos (admin)', query: '{ users { nodes { id name email todos(completed: false) { nodes { title } } } } }' },
  { name: 'a user by id, aliased', query: '{ a: user(id: "alice") { name } b: user(id: "nobody") { name } }' },
  { name: 'fragments and @include', query: 'query ($all: Boolean!) { me { ...U } } fragment U on User { id todos @include(if: $all) { nodes { title } } }', variables: { all: true } },
  { name: 'a bad page size', query: '{ todos(first: -1) { nodes { title } } }' },
  { name: 'an unknown to-do', query: '{ todo(id: "00000000-0000-4000-8000-000000000000") { title } }' },
];

describe.each(executors)('differential on the demo graph (%s executor)', (executor) => {
  let stack: Stack;
  let plain: { server: ApolloServer; url: string };
  let alice: string;
  // The minimum the plain gateway needs to reach the demo subgraphs: the identity Portico would sign.
  const identity: Identity = { sub: 'alice', scopes: ['admin', 'users:read:email'], name: 'Alice', email: 'alice@example.com' };

  beforeAll(async () => {
    stack = await startStack({ gateway: { executor } });
    alice = await token('alice', { scope: identity.scopes.join(' '), name: identity.name, email: identity.email });
    await graphql(stack.url, 'mutation { a: addTodo(input: { title: "one" }) { id } }', { token: alice });
    await graphql(stack.url, 'mutation { b: addTodo(input: { title: "two" }) { id } }', { token: alice });
    const urls: Record<string, string> = { users: stack.users.url, todos: stack.todos.url };
    plain = await startPlainGateway(
      new ApolloGateway({
        supergraphSdl: gatewayCompatibleSupergraph(readFileSync('schema/supergraph.graphql', 'utf8')),
        buildService: ({ name }) =>
          new (class extends RemoteGraphQLDataSource {
            override willSendRequest({ request }: Parameters<RemoteGraphQLDataSource['willSendRequest'] & {}>[0]) {
              request.http?.headers.set(IDENTITY_HEADER, encodeIdentity(identity));
            }
          })({ url: urls[name], fetcher: signedFetcher(fetch as unknown as Fetcher, createRequestSigner(SUBGRAPH_SECRET), name!) }),
      }),
    );
  });
  afterAll(async () => {
    await plain?.server.stop();
    await stack?.stop();
  });

  it.each(demoCases)('$name', async ({ query, variables }) => {
    const [ours, theirs] = await Promise.all([graphql(stack.url, query, { variables, token: alice }), graphql(plain.url, query, { variables })]);
    expect(comparable(ours)).toEqual(comparable(theirs));
  });
});
