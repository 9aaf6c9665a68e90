import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
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
 * gateway sees what `portico keys` did within `checkIntervalMs`. One writer at a time is assumed
 * (the CLI or one gateway's admin API); replicas share keys through Redis instead.
 */
export function createFileKeyStore(path: string, { checkIntervalMs = 250 }: FileKeyStoreOptions = {}): ApiKeyStore {
  let loaded: Loaded | undefined;
  let checkedAt = 0;
  let loading: Promise<Loaded> | undefined;

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
    async put(record) {
      const { records } = await current(true);
      const next = new Map(records);
      next.set(record.id, structuredClone(record));
      const body = `${JSON.stringify({ version: 1, keys: [...next.values()] }, null, 2)}\n`;
      const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await mkdir(dirname(path), { recursive: true });
        // Hashes only, but still nobody else's business.
        await writeFile(tmp, body, { mode: 0o600 });
        await rename(tmp, path);
      } catch (error) {
        await rm(tmp, { force: true });
        throw new ApiKeyStoreError(`cannot write the API key file ${path}: ${(error as Error).message}`);
      }
      loaded = index([...next.values()], await signatureOf());
      checkedAt = Date.now();
    },
  };
}
