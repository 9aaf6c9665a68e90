import type { Logger } from 'pino';
import { openPGliteDb } from './pglite.js';
import { dropPostgresSchema, openPostgresDb } from './postgres.js';
import type { Db, StorageOptions } from './types.js';

export type { Db, StorageOptions } from './types.js';
export { dropPostgresSchema } from './postgres.js';

/** Opens the database `options` describe. */
export function openDb(options: StorageOptions, logger?: Logger): Promise<Db> {
  return options.kind === 'postgres'
    ? openPostgresDb(options.url, options.schema, logger)
    : openPGliteDb(options.dataDir);
}

/** Removes what `options` point at, where that means something (a Postgres schema); for tests. */
export async function dropStorage(options: StorageOptions): Promise<void> {
  if (options.kind === 'postgres') await dropPostgresSchema(options.url, options.schema);
}
