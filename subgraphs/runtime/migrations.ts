import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Db } from './storage/index.js';

export interface Migration {
  /** The file name without `.sql`, e.g. `001_create_todos`. */
  version: string;
  sql: string;
}

const MIGRATION_FILE = /^(\d{3,}_[A-Za-z0-9_-]+)\.sql$/;

/** Reads `NNN_name.sql` files from `dir`, in order. */
export async function readMigrations(dir: URL | string): Promise<Migration[]> {
  const path = typeof dir === 'string' ? dir : fileURLToPath(dir);
  const names = (await readdir(path)).filter((name) => MIGRATION_FILE.test(name)).sort();
  return Promise.all(
    names.map(async (name) => ({
      version: MIGRATION_FILE.exec(name)![1],
      sql: await readFile(`${path}/${name}`, 'utf8'),
    })),
  );
}

/**
 * Applies the migrations `subgraph` has not applied yet, in order, in one transaction,
 * and records them in `schema_migrations`. Returns the versions applied now.
 * Keyed by subgraph too, so two subgraphs may share a schema.
 */
export async function migrate(db: Db, subgraph: string, migrations: Migration[]): Promise<string[]> {
  return db.transaction(async (tx) => {
    // Two processes starting together on one Postgres schema wait for each other here.
    await tx.query('SELECT pg_advisory_xact_lock(hashtext(current_schema()))');
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      subgraph text NOT NULL,
      version text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (subgraph, version)
    )`);
    const rows = await tx.query<{ version: string }>('SELECT version FROM schema_migrations WHERE subgraph = $1', [
      subgraph,
    ]);
    const done = new Set(rows.map((row) => row.version));
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (subgraph, version) VALUES ($1, $2)', [
        subgraph,
        migration.version,
      ]);
      applied.push(migration.version);
    }
    return applied;
  });
}
