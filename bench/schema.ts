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
