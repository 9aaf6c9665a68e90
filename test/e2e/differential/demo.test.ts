// The demo graph (subgraphs/users and subgraphs/todos, schema/supergraph.graphql) through Portico and
// plain @apollo/gateway: a generated corpus, hand-written edge cases, and each subgraph failing in
// each way (test/helpers/fault-proxy.ts, in front of the real subgraphs, which stay as they are).
import { readFileSync } from 'node:fs';
import type { Fetcher } from '@apollo/utils.fetcher';
import { RemoteGraphQLDataSource } from '@apollo/gateway';
import { signedFetcher } from '../../../src/gateway/sign-requests.js';
import { createRequestSigner, encodeIdentity, IDENTITY_HEADER, type Identity } from '../../../src/identity/signed-identity.js';
import { startTodosSubgraph } from '../../../subgraphs/todos/index.js';
import { startUsersSubgraph } from '../../../subgraphs/users/index.js';
import { describeCorpus, startPair, type Case } from '../../helpers/differential.js';
import { generateCases, type GrammarOptions } from '../../helpers/document-generator.js';
import { FAULT_MODES, faultName } from '../../helpers/fault-proxy.js';
import { graphql, silentLogger, SUBGRAPH_PUBLIC_KEYS, SUBGRAPH_SECRET, token } from '../../helpers/stack.js';
import { loadSupergraph } from '../../../src/gateway/schema-check.js';
import { testStorage } from '../../subgraphs/storage-fixture.js';

const SUPERGRAPH = 'schema/supergraph.graphql';
const UNKNOWN_TODO = '00000000-0000-4000-8000-000000000000';

const grammar: GrammarOptions = {
  schema: loadSupergraph(readFileSync(SUPERGRAPH, 'utf8')).api,
  values: {
    'Query.todos.first': [0, 1, 2, 5],
    'Query.todos.completed': [true, false],
    'Query.todo.id': [UNKNOWN_TODO, 'not-a-uuid'],
    'Query.user.id': ['alice', 'bob', 'nobody'],
    'Query.users.first': [1, 2, 5],
    'User.todos.first': [0, 1, 3],
    'User.todos.completed': [true, false],
  },
  maxDepth: 5,
};

const generated = generateCases(grammar, 90, 'generated');
const faulted = generateCases({ ...grammar, operationName: (seed) => faultName(seed % 2 ? 'users' : 'todos', FAULT_MODES[Math.floor(seed / 2) % FAULT_MODES.length]) }, 24, 'generated, faulted');

const WIDE = '{ me { name email todos { nodes { title owner { name } } } } todos { nodes { title completed owner { id name } } pageInfo { hasNextPage } } }';
/** Nullable roots (the demo's other fields are all non-null): a failure leaves the other root's data. */
const PARTIAL = '{ me { name } bob: user(id: "bob") { name todos { nodes { title } } } }';
const faults: Case[] = ['users', 'todos'].flatMap((subgraph) =>
  FAULT_MODES.flatMap((mode) => [
    { name: `${subgraph} fails: ${mode}`, query: `query ${faultName(subgraph, mode)} ${WIDE}` },
    { name: `${subgraph} fails: ${mode}, partial data`, query: `query ${faultName(subgraph, mode)} ${PARTIAL}` },
  ]),
);

const handWritten: Case[] = [
  { name: 'me', query: '{ me { id name email } }' },
  { name: 'my to-dos with owners', query: '{ todos { nodes { title completed owner { id name } } pageInfo { hasNextPage } } }' },
  { name: 'a page with variables', query: 'query ($first: Int) { todos(first: $first) { nodes { title } pageInfo { hasNextPage } } }', variables: { first: 1 } },
  { name: 'a page and the next', query: '{ a: todos(first: 1) { nodes { title } pageInfo { hasNextPage endCursor } } b: todos(first: 2) { nodes { title } } }' },
  { name: 'users with their to-dos (admin)', query: '{ users { nodes { id name email todos(completed: false) { nodes { title } } } } }' },
  { name: 'a user by id, aliased', query: '{ a: user(id: "alice") { name } b: user(id: "nobody") { name } }' },
  { name: 'the same field twice with different args', query: '{ done: todos(completed: true) { nodes { title } } open: todos(completed: false) { nodes { title } } }' },
  { name: 'the same entity field twice with different args', query: '{ me { a: todos(first: 1) { nodes { title } } b: todos(completed: true) { nodes { completed } } } }' },
  { name: 'fragments and @include', query: 'query ($all: Boolean!) { me { ...U } } fragment U on User { id todos @include(if: $all) { nodes { title } } }', variables: { all: true } },
  { name: 'fragments and @include, excluded', query: 'query ($all: Boolean!) { me { ...U } } fragment U on User { id todos @include(if: $all) { nodes { title } } }', variables: { all: false } },
  { name: 'round trip owner → todos → owner', query: '{ todos { nodes { owner { todos { nodes { owner { name todos(first: 1) { nodes { title } } } } } } } } }' },
  { name: '__typename in odd places', query: '{ __typename todos { __typename pageInfo { __typename } nodes { owner { __typename } } } me { __typename } }' },
  { name: 'an inline fragment without a type', query: '{ me { ... { name } ... @skip(if: true) { email } } }' },
  { name: 'a bad page size', query: '{ todos(first: -1) { nodes { title } } }' },
  { name: 'a bad page size in an entity fetch', query: '{ me { todos(first: -1) { nodes { title } } name } }' },
  { name: 'a bad cursor', query: '{ todos(after: "bogus") { nodes { title } } }' },
  { name: 'an unknown to-do', query: `{ todo(id: "${UNKNOWN_TODO}") { title } }` },
  { name: 'an unknown to-do next to data', query: `{ todo(id: "${UNKNOWN_TODO}") { title } me { name } }` },
  { name: 'a mutation refused by validation', query: 'mutation { addTodo(input: {}) { id } }' },
];

const cases = [...handWritten, ...faults, ...generated, ...faulted];

// The minimum the plain gateway needs to reach the demo subgraphs: the identity Portico would sign.
const identity: Identity = { sub: 'alice', scopes: ['admin', 'users:read:email'], name: 'Alice', email: 'alice@example.com' };

describeCorpus('differential corpus: the demo graph', cases, async () => {
  const storage = { users: testStorage('users', { inMemory: true }), todos: testStorage('todos', { inMemory: true }) };
  const common = { port: 0, gatewayKeys: SUBGRAPH_PUBLIC_KEYS, logger: silentLogger };
  const [users, todos] = await Promise.all([startUsersSubgraph({ ...common, storage: storage.users.options }), startTodosSubgraph({ ...common, storage: storage.todos.options })]);
  const fetcher = fetch as unknown as Fetcher;
  const pair = await startPair({
    supergraphPath: SUPERGRAPH,
    plainSupergraphSdl: readFileSync(SUPERGRAPH, 'utf8'),
    urls: { users: users.url, todos: todos.url },
    plainDataSource: (name, url) =>
      new (class extends RemoteGraphQLDataSource {
        override willSendRequest({ request }: Parameters<RemoteGraphQLDataSource['willSendRequest'] & {}>[0]) {
          request.http?.headers.set(IDENTITY_HEADER, encodeIdentity(identity));
        }
      })({ url, fetcher: signedFetcher(fetcher, createRequestSigner(SUBGRAPH_SECRET), name) }),
    stopSubgraphs: async () => {
      await Promise.all([users.stop(), todos.stop()]);
      await Promise.all([storage.users.cleanup(), storage.todos.cleanup()]);
    },
  });
  const alice = await token('alice', { scope: identity.scopes.join(' '), name: identity.name, email: identity.email });
  const bob = await token('bob', { name: 'Bob', email: 'bob@example.com' });
  // The data: two users, to-dos of each, one of them done (in order, so "newest first" is fixed).
  await graphql(pair.portico, '{ me { id } }', { token: bob });
  for (const title of ['one', 'two', 'three']) await graphql(pair.portico, `mutation { addTodo(input: { title: "${title}" }) { id } }`, { token: alice });
  const added = await graphql(pair.portico, 'mutation { addTodo(input: { title: "bobs" }) { id } }', { token: bob });
  await graphql(pair.portico, 'mutation ($id: ID!) { updateTodo(id: $id, input: { completed: true }) { id } }', { token: bob, variables: { id: added.body.data.addTodo.id } });
  const first = await graphql(pair.portico, '{ todos(first: 1) { nodes { id } } }', { token: alice });
  await graphql(pair.portico, 'mutation ($id: ID!) { updateTodo(id: $id, input: { completed: true }) { id } }', { token: alice, variables: { id: first.body.data.todos.nodes[0].id } });
  return { pair, token: alice };
});
