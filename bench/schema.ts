// The benchmark's own subgraphs: fixed, small SDL in the shape of the common federation benchmark
// (a list of entities from one subgraph, each extended with fields resolved by another).

export const USERS_SDL = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])

  type User @key(fields: "id") {
    id: ID!
    name: String!
    email: String!
  }

  type Query {
    user(id: ID!): User
    users(first: Int = 20): [User!]!
  }
`;

export const TODOS_SDL = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])

  type Todo @key(fields: "id") {
    id: ID!
    title: String!
    completed: Boolean!
    owner: User!
  }

  type User @key(fields: "id") {
    id: ID!
    todos(first: Int = 20): [Todo!]!
  }

  input AddTodoInput {
    title: String!
    ownerId: ID!
  }

  type Query {
    todos(first: Int = 20): [Todo!]!
    todo(id: ID!): Todo
  }

  type Mutation {
    addTodo(input: AddTodoInput!): Todo!
    updateTodo(id: ID!, completed: Boolean!): Todo!
  }
`;

export const SUBGRAPH_NAMES = ['users', 'todos'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];
export const SDL: Record<SubgraphName, string> = { users: USERS_SDL, todos: TODOS_SDL };

const FEDERATION_IMPORTS = '["@key"]';
const SECURED_IMPORTS = '["@key", "@authenticated", "@requiresScopes", "@listSize"]';

/**
 * The same subgraphs with authorization and cost directives, for Portico's rows: the queries need a
 * token (\`@authenticated\`) with the \`todos:read\` scope, mutations \`todos:write\`; lists are
 * sized by \`first\`. Plain @apollo/gateway refuses a supergraph whose auth \`@link\` is
 * \`for: SECURITY\` and neither it nor Hive enforces these directives, so the baseline and Hive get
 * the plain SDL above. The subgraphs run the same resolvers either way.
 */
export const SECURED_SDL: Record<SubgraphName, string> = {
  users: USERS_SDL.replace(FEDERATION_IMPORTS, SECURED_IMPORTS)
    .replace('email: String!', 'email: String! @requiresScopes(scopes: [["todos:read"]])')
    .replace('users(first: Int = 20): [User!]!', 'users(first: Int = 20): [User!]! @authenticated @listSize(slicingArguments: ["first"], requireOneSlicingArgument: false)'),
  todos: TODOS_SDL.replace(FEDERATION_IMPORTS, SECURED_IMPORTS)
    .replace(
      '  type User @key(fields: "id") {\n    id: ID!\n    todos(first: Int = 20): [Todo!]!',
      '  type User @key(fields: "id") {\n    id: ID!\n    todos(first: Int = 20): [Todo!]! @listSize(slicingArguments: ["first"], requireOneSlicingArgument: false)',
    )
    .replace(
      'todos(first: Int = 20): [Todo!]!\n    todo(id: ID!): Todo',
      'todos(first: Int = 20): [Todo!]! @authenticated @listSize(slicingArguments: ["first"], requireOneSlicingArgument: false)\n    todo(id: ID!): Todo @authenticated',
    )
    .replace('title: String!\n    completed', 'title: String! @requiresScopes(scopes: [["todos:read"]])\n    completed')
    .replace('addTodo(input: AddTodoInput!): Todo!', 'addTodo(input: AddTodoInput!): Todo! @requiresScopes(scopes: [["todos:write"]])')
    .replace('updateTodo(id: ID!, completed: Boolean!): Todo!', 'updateTodo(id: ID!, completed: Boolean!): Todo! @requiresScopes(scopes: [["todos:write"]])'),
};
