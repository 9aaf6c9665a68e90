import DataLoader from 'dataloader';
import type { Db, Page } from '../runtime/index.js';
import { findTodos, listTodosOfOwners, type TodoFilter, type TodoRow } from './store.js';

export interface OwnerPageKey {
  ownerId: string;
  page: Page;
  completed?: boolean | null;
}

export interface TodosLoaders {
  /** To-dos by id (UUIDs only); null when unknown. */
  todoById: DataLoader<string, TodoRow | null>;
  /** A page of one owner's to-dos; owners asked for the same page share one query. */
  todosOfOwner: DataLoader<OwnerPageKey, TodoRow[], string>;
}

const filterKey = (key: OwnerPageKey) => JSON.stringify([key.page.limit, key.page.afterSeq ?? null, key.completed ?? null]);

/** Fresh loaders for one request. */
export function createTodosLoaders(db: Db): TodosLoaders {
  return {
    todoById: new DataLoader(async (ids: readonly string[]) => {
      const byId = new Map((await findTodos(db, ids)).map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    todosOfOwner: new DataLoader(
      async (keys: readonly OwnerPageKey[]) => {
        const groups = new Map<string, OwnerPageKey[]>();
        for (const key of keys) groups.set(filterKey(key), [...(groups.get(filterKey(key)) ?? []), key]);
        const rowsByKey = new Map<string, TodoRow[]>();
        for (const [group, members] of groups) {
          const filter: TodoFilter = { page: members[0].page, completed: members[0].completed };
          const rows = await listTodosOfOwners(db, [...new Set(members.map((m) => m.ownerId))], filter);
          for (const member of members) {
            rowsByKey.set(`${member.ownerId}\0${group}`, rows.filter((row) => row.owner_id === member.ownerId));
          }
        }
        return keys.map((key) => rowsByKey.get(`${key.ownerId}\0${filterKey(key)}`) ?? []);
      },
      { cacheKeyFn: (key) => `${key.ownerId}\0${filterKey(key)}` },
    ),
  };
}
