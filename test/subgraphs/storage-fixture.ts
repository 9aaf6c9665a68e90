import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { dropStorage, type StorageOptions } from '../../subgraphs/runtime/index.js';

export interface TestStorage {
  options: StorageOptions;
  /** Removes the data (drops the Postgres schema or deletes the temporary directory). */
  cleanup(): Promise<void>;
}

/**
 * Storage for one subgraph in one test file. With DATABASE_URL set: PostgreSQL, in a fresh schema
 * `t_<name>_<random>`. Otherwise: PGlite in a fresh temporary directory (so a restart keeps the data),
 * or in memory with `inMemory: true` (faster; nothing survives a stop).
 */
export function testStorage(name: string, { inMemory = false }: { inMemory?: boolean } = {}): TestStorage {
  const url = process.env.DATABASE_URL;
  if (url) {
    const safeName = name.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 40);
    const options: StorageOptions = { kind: 'postgres', url, schema: `t_${safeName}_${randomBytes(6).toString('hex')}` };
    return { options, cleanup: () => dropStorage(options) };
  }
  if (inMemory) return { options: { kind: 'embedded' }, cleanup: async () => {} };
  const dataDir = mkdtempSync(join(tmpdir(), `portico-${name.replace(/[^A-Za-z0-9_-]/g, '_')}-`));
  return {
    options: { kind: 'embedded', dataDir },
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}
