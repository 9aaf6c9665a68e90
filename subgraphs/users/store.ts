import type { Db, Page } from '../runtime/index.js';

export interface UserRow {
  id: string;
  seq: string | number;
  name: string;
  email: string;
}

const COLUMNS = 'id, seq, name, email';

/** The users among `ids`, in one statement. */
export function findUsers(db: Db, ids: readonly string[]): Promise<UserRow[]> {
  return db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = ANY($1::text[])`, [ids]);
}

/** Up to `page.limit + 1` users after the cursor, oldest first. */
export function listUsers(db: Db, page: Page): Promise<UserRow[]> {
  return page.afterSeq === undefined
    ? db.query<UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY seq LIMIT $1`, [page.limit + 1])
    : db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE seq > $1 ORDER BY seq LIMIT $2`, [
        page.afterSeq,
        page.limit + 1,
      ]);
}

/** Creates the user, or refreshes the name and email the caller's claims carry. One statement. */
export async function upsertUser(db: Db, user: { id: string; name?: string; email?: string }): Promise<void> {
  await db.query(
    `INSERT INTO users (id, name, email) VALUES ($1::text, COALESCE($2::text, $1::text), COALESCE($3::text, ''))
     ON CONFLICT (id) DO UPDATE SET name = COALESCE($2::text, users.name), email = COALESCE($3::text, users.email)`,
    [user.id, user.name ?? null, user.email ?? null],
  );
}
