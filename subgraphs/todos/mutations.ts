import { badUserInput, forbidden, notFound, type SubgraphContext } from '../runtime/index.js';
import { actorOf, isUuid, validTitle } from './policy.js';
import { deleteTodo, insertTodo, todoExists, updateTodo } from './store.js';
import { toTodo } from './model.js';
import { publishChange } from './events.js';
import type { Db } from '../runtime/index.js';

interface UpdateInput {
  title?: string | null;
  completed?: boolean | null;
}

/** After a refused change: NOT_FOUND when the to-do does not exist, FORBIDDEN when it is someone else's. */
async function refusal(db: Db, id: string): Promise<Error> {
  return (await todoExists(db, id)) ? forbidden('only the owner or an admin may change this to-do') : notFound(`no to-do with id ${id}`);
}

function validChanges(input: UpdateInput): { title?: string; completed?: boolean } {
  if (input.title === null) throw badUserInput('title cannot be null', 'title');
  if (input.completed === null) throw badUserInput('completed cannot be null', 'completed');
  if (input.title === undefined && input.completed === undefined) {
    throw badUserInput('input must change at least one field', 'input');
  }
  return {
    ...(input.title !== undefined && { title: validTitle(input.title) }),
    ...(input.completed !== undefined && { completed: input.completed }),
  };
}

export const todosMutations = {
  // Each change declares the to-do it changed, by its id as stored (see runtime/invalidation.ts).
  // Each change is also published for subscriptions (see events.ts).
  addTodo: async (_: unknown, { input }: { input: { title: string } }, context: SubgraphContext) => {
    const actor = actorOf(context.identity);
    const row = await insertTodo(context.db, actor.sub, validTitle(input.title));
    context.invalidate('Todo', { id: row.id });
    const todo = toTodo(row);
    await publishChange(context, { kind: 'ADDED', id: todo.id, ownerId: todo.ownerId, todo });
    return todo;
  },
  updateTodo: async (
    _: unknown,
    { id, input }: { id: string; input: UpdateInput },
    context: SubgraphContext,
  ) => {
    const { identity, db, invalidate } = context;
    const actor = actorOf(identity);
    const changes = validChanges(input);
    if (!isUuid(id)) throw notFound(`no to-do with id ${id}`);
    const row = await updateTodo(db, id, changes, actor);
    if (!row) throw await refusal(db, id);
    invalidate('Todo', { id: row.id });
    const todo = toTodo(row);
    await publishChange(context, { kind: 'UPDATED', id: todo.id, ownerId: todo.ownerId, todo });
    return todo;
  },
  deleteTodo: async (_: unknown, { id }: { id: string }, context: SubgraphContext) => {
    const { identity, db, invalidate } = context;
    const actor = actorOf(identity);
    if (!isUuid(id)) throw notFound(`no to-do with id ${id}`);
    const deleted = await deleteTodo(db, id, actor);
    if (!deleted) throw await refusal(db, id);
    invalidate('Todo', { id: deleted.id });
    await publishChange(context, { kind: 'DELETED', id: deleted.id, ownerId: deleted.ownerId, todo: null });
    return deleted.id;
  },
};
