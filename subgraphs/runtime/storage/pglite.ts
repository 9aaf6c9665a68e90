import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { Db } from './types.js';

type Stats = { queries: number };

function transactionDb(tx: Transaction, stats: Stats): Db {
  const db: Db = {
    stats,
    async query<T>(sql: string, params?: unknown[]) {
      stats.queries += 1;
      return (await tx.query<T>(sql, params)).rows;
    },
    async exec(sql: string) {
      stats.queries += 1;
      await tx.exec(sql);
    },
    // Already in a transaction: nested calls join it.
    transaction: (fn) => fn(db),
    close: async () => {},
  };
  return db;
}

/** PGlite (embedded PostgreSQL) persisted under `dataDir`, or in memory when it is absent. */
export async function openPGliteDb(dataDir?: string): Promise<Db> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pg = dataDir ? new PGlite(dataDir) : new PGlite();
  await pg.waitReady;
  const stats: Stats = { queries: 0 };
  return {
    stats,
    async query<T>(sql: string, params?: unknown[]) {
      stats.queries += 1;
      return (await pg.query<T>(sql, params)).rows;
    },
    async exec(sql: string) {
      stats.queries += 1;
      await pg.exec(sql);
    },
    async transaction(fn) {
      stats.queries += 2; // BEGIN and COMMIT/ROLLBACK
      return pg.transaction((tx) => fn(transactionDb(tx, stats)));
    },
    close: () => pg.close(),
  };
}
