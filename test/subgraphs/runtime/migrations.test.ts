import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, openDb, type Db } from '../../../subgraphs/runtime/index.js';
import { testStorage, type TestStorage } from '../storage-fixture.js';

const migrations = [
  { version: '001_create_notes', sql: 'CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL);' },
  { version: '002_seed_notes', sql: "INSERT INTO notes VALUES (1, 'a'); INSERT INTO notes VALUES (2, 'b');" },
];

let storage: TestStorage;
let db: Db | undefined;
beforeEach(() => {
  storage = testStorage('migrations', { inMemory: true });
});
afterEach(async () => {
  await db?.close();
  db = undefined;
  await storage.cleanup();
});

async function open(): Promise<Db> {
  db = await openDb(storage.options);
  return db;
}

describe('migrate', () => {
  it('applies pending migrations in order, and none a second time', async () => {
    const db = await open();
    expect(await migrate(db, 'notes', migrations)).toEqual(['001_create_notes', '002_seed_notes']);
    expect(await migrate(db, 'notes', migrations)).toEqual([]);
    expect(await db.query('SELECT id FROM notes ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('applies only the new migration when one is added', async () => {
    const db = await open();
    await migrate(db, 'notes', migrations.slice(0, 1));
    expect(await migrate(db, 'notes', migrations)).toEqual(['002_seed_notes']);
  });

  it('rolls back every pending migration when one fails', async () => {
    const db = await open();
    const broken = [...migrations, { version: '003_broken', sql: 'ALTER TABLE missing ADD COLUMN x int;' }];
    await expect(migrate(db, 'notes', broken)).rejects.toThrow();
    expect(await db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'notes' AND table_schema = current_schema()")).toEqual([]);
  });

  it('keeps two subgraphs apart in one schema', async () => {
    const db = await open();
    await migrate(db, 'notes', migrations.slice(0, 1));
    expect(await migrate(db, 'other', [{ version: '001_create_notes', sql: 'CREATE TABLE others (id int);' }])).toEqual([
      '001_create_notes',
    ]);
  });
});

// Replicas of one subgraph rolled out together open the same new schema at the same moment.
describe.runIf(process.env.DATABASE_URL)('opening one new PostgreSQL schema from many replicas at once', () => {
  it('creates it once and opens every one, then migrates it once', async () => {
    const dbs = await Promise.all(Array.from({ length: 8 }, () => openDb(storage.options)));
    try {
      const applied = await Promise.all(dbs.map((d) => migrate(d, 'notes', migrations)));
      expect(applied.flat().sort()).toEqual(['001_create_notes', '002_seed_notes']);
    } finally {
      await Promise.all(dbs.map((d) => d.close()));
    }
  });
});
