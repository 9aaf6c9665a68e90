import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLSchema } from 'graphql';
import { createTodoStore, seedUsers, type Todo } from './data.js';
import { SDL, type SubgraphName } from './schema.js';

type Ref = { id: string };

function usersSchema(): GraphQLSchema {
  const users = new Map(seedUsers().map((user) => [user.id, user]));
  return buildSubgraphSchema({
    typeDefs: parse(SDL.users),
    resolvers: {
      Query: {
        user: (_: unknown, { id }: Ref) => users.get(id) ?? null,
        users: (_: unknown, { first }: { first: number }) => [...users.values()].slice(0, first),
      },
      User: { __resolveReference: ({ id }: Ref) => users.get(id) ?? null },
    },
  });
}

function todosSchema(): GraphQLSchema {
  const store = createTodoStore();
  const owner = (todo: Todo) => ({ __typename: 'User', id: todo.ownerId });
  return buildSubgraphSchema({
    typeDefs: parse(SDL.todos),
    resolvers: {
      Query: {
        todos: (_: unknown, { first }: { first: number }) => store.list(first),
        todo: (_: unknown, { id }: Ref) => store.get(id) ?? null,
      },
      Mutation: {
        addTodo: (_: unknown, { input }: { input: { title: string; ownerId: string } }) => store.add(input.title, input.ownerId),
        updateTodo: (_: unknown, { id, completed }: Ref & { completed: boolean }) => {
          const todo = store.setCompleted(id, completed);
          if (!todo) throw new Error(`no to-do ${id}`);
          return todo;
        },
      },
      Todo: { owner, __resolveReference: ({ id }: Ref) => store.get(id) ?? null },
      User: {
        __resolveReference: (ref: Ref) => ref,
        todos: (user: Ref, { first }: { first: number }) => store.ofOwner(user.id, first),
      },
    },
  });
}

/** A fresh schema over fresh data for each subgraph. */
export function buildBenchSchema(name: SubgraphName): GraphQLSchema {
  return name === 'users' ? usersSchema() : todosSchema();
}
