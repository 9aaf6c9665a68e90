import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { apiKeyRecordSchema, type ApiKeyRecord, type ApiKeyStore } from './api-key.js';
import { ApiKeyStoreError } from './store-errors.js';

const fileSchema = z.object({ version: z.literal(1), keys: z.array(apiKeyRecordSchema) });

export interface FileKeyStoreOptions {
  /** How often, at most, the file is checked for changes made by another process (the CLI), in ms. */
  checkIntervalMs?: number;
}

interface Loaded {
  /** inode, mtime and size of the file read; '' when it does not exist. */
  signature: string;
  records: Map<string, ApiKeyRecord>;
  byHash: Map<string, string>;
}

function index(records: ApiKeyRecord[], signature: string): Loaded {
  const byHash = new Map<string, string>();
  for (const r of records) {
    byHash.set(r.hash, r.id);
    if (r.previous) byHash.set(r.previous.hash, r.id);
  }
  return { signature, records: new Map(records.map((r) => [r.id, r])), byHash };
}

/**
 * Keys in a JSON file (`apiKeys.file`), for a gateway without Redis: written whole and atomically
 * (temporary file, then rename), and re-read when its inode, time or size changes, so a running
 * gateway sees what `portico keys` did within `checkIntervalMs`. Writes are one at a time: in this
 * process by a queue, between processes (the CLI and a gateway's admin API) by a lock file beside it.
 * Replicas share keys through Redis instead.
 */
const LOCK_WAIT_MS = 3000;
/** A lock file older than this was left by a process that died while writing. */
const LOCK_STALE_MS = 10_000;

async function withLock<T>(path: string, run: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`;
  const end = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await mkdir(dirname(path), { recursive: true });
      await (await open(lock, 'wx', 0o600)).close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new ApiKeyStoreError(`cannot write the API key file ${path}: ${(error as Error).message}`);
      const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > LOCK_STALE_MS) await rm(lock, { force: true });
      else if (Date.now() > end) throw new ApiKeyStoreError(`cannot write the API key file ${path}: ${lock} is held by another writer`);
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  try {
    return await run();
  } finally {
    await rm(lock, { force: true });
  }
}

export function createFileKeyStore(path: string, { checkIntervalMs = 250 }: FileKeyStoreOptions = {}): ApiKeyStore {
  let loaded: Loaded | undefined;
  let checkedAt = 0;
  let loading: Promise<Loaded> | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  async function signatureOf(): Promise<string> {
    try {
      const s = await stat(path, { bigint: true });
      return `${s.ino}:${s.mtimeNs}:${s.size}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw new ApiKeyStoreError(`cannot read the API key file ${path}: ${(error as Error).message}`);
    }
  }

  async function load(): Promise<Loaded> {
    const signature = await signatureOf();
    if (loaded && loaded.signature === signature) return loaded;
    if (signature === '') return (loaded = index([], ''));
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      throw new ApiKeyStoreError(`cannot read the API key file ${path}: ${(error as Error).message.split('\n')[0]}`);
    }
    const result = fileSchema.safeParse(parsed);
    if (!result.success) throw new ApiKeyStoreError(`the API key file ${path} is not a Portico key file (${result.error.issues[0].path.join('.') || 'root'}: ${result.error.issues[0].message})`);
    return (loaded = index(result.data.keys, signature));
  }

  /** The file's content, re-read when it changed and the last check is older than the interval. */
  async function current(force = false): Promise<Loaded> {
    const now = Date.now();
    if (!force && loaded && now - checkedAt < checkIntervalMs) return loaded;
    // Concurrent requests share one check.
    loading ??= load().finally(() => {
      loading = undefined;
    });
    const result = await loading;
    checkedAt = now;
    return result;
  }

  return {
    async list() {
      return [...(await current()).records.values()].map((r) => structuredClone(r));
    },
    async get(id) {
      const record = (await current()).records.get(id);
      return record && structuredClone(record);
    },
    async byHash(hash) {
      const state = await current();
      const id = state.byHash.get(hash);
      const record = id === undefined ? undefined : state.records.get(id);
      return record && structuredClone(record);
    },
    put(record) {
      const write = queue.then(() => withLock(path, () => save(record)));
      queue = write.catch(() => undefined);
      return write;
    },
  };

  async function save(record: ApiKeyRecord): Promise<void> {
    // Under the lock: the file as it is now, not as last checked.
    const next = new Map((await load()).records);
    next.set(record.id, structuredClone(record));
    const body = `${JSON.stringify({ version: 1, keys: [...next.values()] }, null, 2)}\n`;
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      // Hashes only, but still nobody else's business.
      await writeFile(tmp, body, { mode: 0o600 });
      await rename(tmp, path);
    } catch (error) {
      await rm(tmp, { force: true });
      throw new ApiKeyStoreError(`cannot write the API key file ${path}: ${(error as Error).message}`);
    }
    loaded = index([...next.values()], await signatureOf());
    checkedAt = Date.now();
  }
}
