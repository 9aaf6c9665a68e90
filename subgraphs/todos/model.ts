import type { TodoRow } from './store.js';

/** A to-do as the resolvers hand it to GraphQL. */
export interface Todo {
  id: string;
  title: string;
  completed: boolean;
  createdAt: string;
  ownerId: string;
}

export const toTodo = (row: TodoRow): Todo => ({
  id: row.id,
  title: row.title,
  completed: row.completed,
  createdAt: new Date(row.created_at).toISOString(),
  ownerId: row.owner_id,
});
