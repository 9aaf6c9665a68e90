import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import {
  forbidden,
  notFound,
  parsePageArgs,
  toConnection,
  unauthenticated,
  type PageArgs,
  type SubgraphContext,
} from '../runtime/index.js';
import type { TodosLoaders } from './loaders.js';
import { todoChanged } from './events.js';
import { todosMutations } from './mutations.js';
import { isAdmin, isUuid } from './policy.js';
import { listTodos } from './store.js';
import { toTodo, type Todo } from './model.js';

export type TodosContext = SubgraphContext & TodosLoaders;

type ListArgs = PageArgs & { completed?: boolean | null };

/** The to-do if the caller may see it; NOT_FOUND otherwise, so others' to-dos stay invisible. */
async function visibleTodo(id: string, { identity, todoById }: TodosContext): Promise<Todo> {
  const row = isUuid(id) ? await todoById.load(id.toLowerCase()) : null;
  if (!row || (row.owner_id !== identity.sub && !isAdmin(identity))) throw notFound(`no to-do with id ${id}`);
  return toTodo(row);
}

export const todosResolvers: GraphQLResolverMap<TodosContext> = {
  Query: {
    todo: (_: unknown, { id }: { id: string }, context: TodosContext) => visibleTodo(id, context),
    todos: async (_: unknown, args: ListArgs, { identity, db }: TodosContext) => {
      const admin = isAdmin(identity);
      if (!identity.sub && !admin) throw unauthenticated('listing to-dos needs a signed-in caller');
      const page = parsePageArgs(args);
      const rows = await listTodos(db, { page, completed: args.completed, ownerId: admin ? undefined : identity.sub });
      return toConnection(rows, page, toTodo);
    },
  },
  Mutation: todosMutations,
  Subscription: { todoChanged },
  Todo: {
    __resolveReference: ({ id }: { id: string }, context: TodosContext) => visibleTodo(id, context),
    owner: (todo: Todo) => ({ __typename: 'User', id: todo.ownerId }),
  },
  User: {
    __resolveReference: ({ id }: { id: string }) => ({ id }),
    todos: async ({ id }: { id: string }, args: ListArgs, { identity, todosOfOwner }: TodosContext) => {
      if (identity.sub !== id && !isAdmin(identity)) throw forbidden("only the user or an admin may list a user's to-dos");
      const page = parsePageArgs(args);
      return toConnection(await todosOfOwner.load({ ownerId: id, page, completed: args.completed }), page, toTodo);
    },
  },
};
