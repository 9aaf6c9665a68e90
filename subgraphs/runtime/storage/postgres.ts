import pg from 'pg';
import type { Logger } from 'pino';
import { isPlainIdentifier, quoteIdentifier, type Db } from './types.js';

type Stats = { queries: number };
type Queryable = Pick<pg.PoolClient, 'query'>;

function assertSchema(schema: string): void {
  if (!isPlainIdentifier(schema)) {
    throw new Error(`invalid schema name "${schema}": use lower-case letters, digits and _ (at most 63)`);
  }
}

function clientDb(client: Queryable, stats: Stats): Db {
  const db: Db = {
    stats,
    async query<T>(sql: string, params?: unknown[]) {
      stats.queries += 1;
      return (await client.query(sql, params)).rows as T[];
    },
    async exec(sql: string) {
      stats.queries += 1;
      await client.query(sql);
    },
    transaction: (fn) => fn(db),
    close: async () => {},
  };
  return db;
}

/** `application_name` of a schema's connections: `portico:<schema>` (PostgreSQL keeps 63 bytes). */
export function applicationName(schema: string): string {
  return `portico:${schema}`.slice(0, 63);
}

/**
 * `CREATE SCHEMA IF NOT EXISTS` is not safe against itself: two replicas starting at once can both
 * find the schema missing, and the second fails on pg_namespace's unique index. One transaction-level
 * advisory lock per schema name makes them take turns (the migrations lock the same way after).
 */
async function createSchema(pool: pg.Pool, schema: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`portico-schema:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** A pg Pool whose every connection uses `schema`; the schema is created if missing. */
export async function openPostgresDb(url: string, schema: string, logger?: Logger): Promise<Db> {
  assertSchema(schema);
  // Named after the schema, so an operator (or a test) can find this subgraph's connections in pg_stat_activity.
  const pool = new pg.Pool({ connectionString: url, options: `-c search_path=${schema}`, max: 10, application_name: applicationName(schema) });
  // An idle connection that breaks must not crash the process; the next query reconnects.
  pool.on('error', (error) => logger?.warn({ err: error }, 'postgres idle connection error'));
  const stats: Stats = { queries: 0 };
  try {
    await createSchema(pool, schema);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const base = clientDb(pool, stats);
  return {
    ...base,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        stats.queries += 1;
        await client.query('BEGIN');
        const result = await fn(clientDb(client, stats));
        stats.queries += 1;
        await client.query('COMMIT');
        return result;
      } catch (error) {
        stats.queries += 1;
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** Drops `schema` and everything in it (test cleanup). */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  assertSchema(schema);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}
