import { badUserInput, forbidden, notFound, type SubgraphContext } from '../runtime/index.js';
import { actorOf, isUuid, validTitle } from './policy.js';
import { deleteTodo, insertTodo, todoExists, updateTodo } from './store.js';
import { toTodo } from './model.js';
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
  addTodo: async (_: unknown, { input }: { input: { title: string } }, { identity, db, invalidate }: SubgraphContext) => {
    const actor = actorOf(identity);
    const row = await insertTodo(db, actor.sub, validTitle(input.title));
    invalidate('Todo', { id: row.id });
    return toTodo(row);
  },
  updateTodo: async (
    _: unknown,
    { id, input }: { id: string; input: UpdateInput },
    { identity, db, invalidate }: SubgraphContext,
  ) => {
    const actor = actorOf(identity);
    const changes = validChanges(input);
    if (!isUuid(id)) throw notFound(`no to-do with id ${id}`);
    const row = await updateTodo(db, id, changes, actor);
    if (!row) throw await refusal(db, id);
    invalidate('Todo', { id: row.id });
    return toTodo(row);
  },
  deleteTodo: async (_: unknown, { id }: { id: string }, { identity, db, invalidate }: SubgraphContext) => {
    const actor = actorOf(identity);
    if (!isUuid(id)) throw notFound(`no to-do with id ${id}`);
    const deleted = await deleteTodo(db, id, actor);
    if (!deleted) throw await refusal(db, id);
    invalidate('Todo', { id: deleted });
    return deleted;
  },
};
