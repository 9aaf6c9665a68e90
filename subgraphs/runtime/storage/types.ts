/** Where a subgraph keeps its data. Both kinds speak the same SQL (PostgreSQL). */
export type StorageOptions =
  /** PGlite in this process: persisted under `dataDir`, or in memory when it is absent. */
  | { kind: 'embedded'; dataDir?: string }
  /** A PostgreSQL server; every connection works in `schema` (created if missing). */
  | { kind: 'postgres'; url: string; schema: string };

/** The little a subgraph needs from its database. */
export interface Db {
  /** Runs one statement with `$1`-style parameters and returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Counts every statement sent to the database (transaction control included), so tests can prove batching. */
  readonly stats: { queries: number };
}

/** Is `name` a plain lower-case SQL identifier, safe to use as a schema name? */
export function isPlainIdentifier(name: string): boolean {
  return /^[a-z_][a-z0-9_]{0,62}$/.test(name);
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
