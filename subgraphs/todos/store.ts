import type { Db, Page } from '../runtime/index.js';

export interface TodoRow {
  id: string;
  seq: string | number;
  owner_id: string;
  title: string;
  completed: boolean;
  created_at: Date | string;
}

export interface TodoFilter {
  page: Page;
  /** Only done (true) or only open (false) to-dos; all when absent. */
  completed?: boolean | null;
}

/** Who acts: a to-do changes only when `sub` owns it or `admin` is true. */
export interface Actor {
  sub: string;
  admin: boolean;
}

const COLUMNS = 'id, seq, owner_id, title, completed, created_at';

/** SQL conditions for `filter`, appending their values to `params`. Newest first: the cursor moves down. */
function conditions(filter: TodoFilter, params: unknown[]): string[] {
  const where: string[] = [];
  if (filter.completed != null) {
    params.push(filter.completed);
    where.push(`completed = $${params.length}`);
  }
  if (filter.page.afterSeq !== undefined) {
    params.push(filter.page.afterSeq);
    where.push(`seq < $${params.length}`);
  }
  return where;
}

/** Up to `limit + 1` to-dos, newest first: one owner's, or everybody's when `ownerId` is absent. */
export function listTodos(db: Db, filter: TodoFilter & { ownerId?: string }): Promise<TodoRow[]> {
  const params: unknown[] = [];
  const where = conditions(filter, params);
  if (filter.ownerId !== undefined) {
    params.push(filter.ownerId);
    where.push(`owner_id = $${params.length}`);
  }
  params.push(filter.page.limit + 1);
  const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  return db.query<TodoRow>(`SELECT ${COLUMNS} FROM todos ${clause} ORDER BY seq DESC LIMIT $${params.length}`, params);
}

/** The same page of to-dos for each of several owners, in one statement. */
export function listTodosOfOwners(db: Db, ownerIds: readonly string[], filter: TodoFilter): Promise<TodoRow[]> {
  const params: unknown[] = [ownerIds];
  const where = ['todos.owner_id = o.owner_id', ...conditions(filter, params)];
  params.push(filter.page.limit + 1);
  return db.query<TodoRow>(
    `SELECT t.* FROM unnest($1::text[]) AS o(owner_id) CROSS JOIN LATERAL (
       SELECT ${COLUMNS} FROM todos WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT $${params.length}
     ) t`,
    params,
  );
}

/** The to-dos among `ids` (UUIDs), in one statement. */
export function findTodos(db: Db, ids: readonly string[]): Promise<TodoRow[]> {
  return db.query<TodoRow>(`SELECT ${COLUMNS} FROM todos WHERE id = ANY($1::uuid[])`, [ids]);
}

export async function insertTodo(db: Db, ownerId: string, title: string): Promise<TodoRow> {
  const [row] = await db.query<TodoRow>(
    `INSERT INTO todos (owner_id, title) VALUES ($1, $2) RETURNING ${COLUMNS}`,
    [ownerId, title],
  );
  return row;
}

/** Whether a to-do exists, for telling NOT_FOUND from FORBIDDEN after a refused change. */
export async function todoExists(db: Db, id: string): Promise<boolean> {
  return (await db.query('SELECT 1 FROM todos WHERE id = $1', [id])).length > 0;
}

/** Changes the given fields if `actor` may; undefined when nothing matched. One statement. */
export async function updateTodo(
  db: Db,
  id: string,
  changes: { title?: string; completed?: boolean },
  actor: Actor,
): Promise<TodoRow | undefined> {
  const [row] = await db.query<TodoRow>(
    `UPDATE todos SET title = COALESCE($2::text, title), completed = COALESCE($3::boolean, completed)
     WHERE id = $1 AND (owner_id = $4 OR $5::boolean) RETURNING ${COLUMNS}`,
    [id, changes.title ?? null, changes.completed ?? null, actor.sub, actor.admin],
  );
  return row;
}

/** Deletes the to-do if `actor` may and returns its id; undefined when nothing matched. One statement. */
/** Deletes the to-do if the actor may; its id and owner, or undefined. */
export async function deleteTodo(db: Db, id: string, actor: Actor): Promise<{ id: string; ownerId: string } | undefined> {
  const [row] = await db.query<{ id: string; owner_id: string }>(
    'DELETE FROM todos WHERE id = $1 AND (owner_id = $2 OR $3::boolean) RETURNING id, owner_id',
    [id, actor.sub, actor.admin],
  );
  return row && { id: row.id, ownerId: row.owner_id };
}
