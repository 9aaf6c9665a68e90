import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { describeKey, generateKey, generateKeyId, hashKey, sameHash, type ApiKeyInfo, type ApiKeyRecord, type ApiKeyStore } from './api-key.js';

export type VerifyResult = { ok: true; record: ApiKeyRecord } | { ok: false; reason: 'unknown' | 'revoked' | 'expired' };

/** A refused key operation, with the HTTP status and stable code the admin API answers with. */
export class ApiKeyError extends Error {
  constructor(
    readonly status: number,
    readonly code: 'UNKNOWN_PLAN' | 'BAD_USER_INPUT' | 'KEY_NOT_FOUND' | 'KEY_READ_ONLY' | 'KEY_REVOKED' | 'KEY_EXPIRED',
    message: string,
  ) {
    super(message);
    this.name = 'ApiKeyError';
  }
}

export interface ApiKeysOptions {
  /** The plans a key may name (`cost.budgets.plans`); `default` is always allowed. */
  plans: readonly string[];
  /** How long a rotated key's old secret keeps working when rotate() is given no grace; default 86400. */
  rotationGraceSeconds?: number;
  /** Clock in ms (tests). */
  now?: () => number;
  /** How long verify() trusts a store answer: a key revoked elsewhere is refused after this; default 500 ms. */
  cacheTtlMs?: number;
  /** Keys found, remembered at most; default 10,000. */
  cacheSize?: number;
  /** Unknown keys remembered at most (made-up keys must not push out real ones); default 1,000. */
  negativeCacheSize?: number;
  /** Where key operations are logged, by key id (never the key). */
  logger?: Logger;
}

export interface CreateKeyInput {
  plan: string;
  name?: string;
  expiresInSeconds?: number;
}

export interface ApiKeys {
  /** Issues a key: `key` is returned here only, the store keeps its hash. */
  create(input: CreateKeyInput): Promise<{ key: string; record: ApiKeyRecord }>;
  list(): Promise<ApiKeyRecord[]>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  /** Revokes at once (idempotent); other replicas refuse the key within cacheTtlMs. */
  revoke(id: string): Promise<ApiKeyRecord>;
  /** A new secret for the same id and plan; the old one is accepted for `graceSeconds` more. */
  rotate(id: string, graceSeconds?: number): Promise<{ key: string; record: ApiKeyRecord }>;
  /**
   * The hot-path check of a presented key. Throws ApiKeyStoreError only when the store fails and
   * the key was never seen (a key seen before is answered from the last store answer).
   */
  verify(presented: string): Promise<VerifyResult>;
  /** The record as shown to operators (no hash). */
  describe(record: ApiKeyRecord): ApiKeyInfo;
  close(): Promise<void>;
}

const MAX_EXPIRY_SECONDS = 10 * 366 * 86_400;
const MAX_GRACE_SECONDS = 366 * 86_400;
// Printable, without control characters; a presented value outside this is never looked up.
const PLAUSIBLE_KEY = /^[\x21-\x7e]{1,256}$/;
const NAME = /^[^\p{Cc}]{1,128}$/u;

function wholeSeconds(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ApiKeyError(400, 'BAD_USER_INPUT', `${field} must be a whole number of seconds from ${min} to ${max}`);
  }
  return value;
}

type Cached = { record: ApiKeyRecord | undefined };

export function createApiKeys(store: ApiKeyStore, options: ApiKeysOptions): ApiKeys {
  const now = options.now ?? Date.now;
  const plans = new Set(['default', ...options.plans]);
  const defaultGrace = options.rotationGraceSeconds ?? 86_400;
  const logger = options.logger;
  const ttl = options.cacheTtlMs ?? 500;
  // Stale entries are kept (not answered) so that a store failure can fall back on them.
  const cacheOptions = { ttl, ttlResolution: 0, noDeleteOnStaleGet: true, perf: { now } } as const;
  const found = new LRUCache<string, Cached>({ max: options.cacheSize ?? 10_000, ...cacheOptions });
  const unknown = new LRUCache<string, Cached>({ max: options.negativeCacheSize ?? 1_000, ...cacheOptions });
  const iso = (ms: number) => new Date(ms).toISOString();

  function forget(...records: (ApiKeyRecord | undefined)[]) {
    for (const r of records) {
      if (!r) continue;
      for (const hash of [r.hash, r.previous?.hash]) if (hash) found.delete(hash), unknown.delete(hash);
    }
  }

  async function existing(id: string, action: string): Promise<ApiKeyRecord> {
    const record = typeof id === 'string' && id.length <= 128 ? await store.get(id) : undefined;
    if (!record) throw new ApiKeyError(404, 'KEY_NOT_FOUND', `No API key with id ${JSON.stringify(String(id).slice(0, 128))}`);
    if (store.isReadOnly?.(id)) throw new ApiKeyError(409, 'KEY_READ_ONLY', `${id} is a static key (apiKeys.static): ${action} it in the config file`);
    return record;
  }

  async function lookUp(hash: string): Promise<ApiKeyRecord | undefined> {
    const hit = found.get(hash) ?? unknown.get(hash);
    if (hit) return hit.record;
    let record: ApiKeyRecord | undefined;
    try {
      record = await store.byHash(hash);
    } catch (error) {
      const stale = found.get(hash, { allowStale: true }) ?? unknown.get(hash, { allowStale: true });
      if (stale) return stale.record;
      throw error;
    }
    (record ? found : unknown).set(hash, { record });
    return record;
  }

  function judge(record: ApiKeyRecord | undefined, hash: string, at: number): VerifyResult {
    if (!record) return { ok: false, reason: 'unknown' };
    const current = sameHash(record.hash, hash);
    const previous = !current && record.previous !== undefined && sameHash(record.previous.hash, hash);
    if (!current && !previous) return { ok: false, reason: 'unknown' };
    if (record.state === 'revoked') return { ok: false, reason: 'revoked' };
    if (record.expiresAt && Date.parse(record.expiresAt) <= at) return { ok: false, reason: 'expired' };
    if (previous && Date.parse(record.previous!.validUntil) <= at) return { ok: false, reason: 'expired' };
    return { ok: true, record };
  }

  return {
    async create(input) {
      const { plan, name, expiresInSeconds } = (input ?? {}) as Partial<CreateKeyInput>;
      if (typeof plan !== 'string' || !plans.has(plan)) {
        throw new ApiKeyError(400, 'UNKNOWN_PLAN', `Unknown plan ${JSON.stringify(String(plan ?? '')).slice(0, 80)}: one of ${[...plans].join(', ')}`);
      }
      if (name !== undefined && (typeof name !== 'string' || !NAME.test(name))) {
        throw new ApiKeyError(400, 'BAD_USER_INPUT', 'name must be 1 to 128 characters, without control characters');
      }
      const at = now();
      const key = generateKey();
      const record: ApiKeyRecord = { id: generateKeyId(), plan, hash: hashKey(key), createdAt: iso(at), state: 'active' };
      if (name !== undefined) record.name = name;
      if (expiresInSeconds !== undefined) record.expiresAt = iso(at + wholeSeconds(expiresInSeconds, 'expiresInSeconds', 1, MAX_EXPIRY_SECONDS) * 1000);
      await store.put(record);
      logger?.info({ keyId: record.id, plan }, 'api key created');
      return { key, record };
    },
    list: () => store.list(),
    get: (id) => store.get(id),
    async revoke(id) {
      const record = await existing(id, 'remove');
      if (record.state === 'revoked') return record;
      const revoked: ApiKeyRecord = { ...record, state: 'revoked', revokedAt: iso(now()) };
      delete revoked.previous;
      await store.put(revoked);
      forget(record);
      logger?.info({ keyId: id }, 'api key revoked');
      return revoked;
    },
    async rotate(id, graceSeconds = defaultGrace) {
      const grace = wholeSeconds(graceSeconds, 'graceSeconds', 0, MAX_GRACE_SECONDS);
      const record = await existing(id, 'replace');
      const at = now();
      if (record.state === 'revoked') throw new ApiKeyError(409, 'KEY_REVOKED', `${id} is revoked: create a new key`);
      if (record.expiresAt && Date.parse(record.expiresAt) <= at) throw new ApiKeyError(409, 'KEY_EXPIRED', `${id} has expired: create a new key`);
      const key = generateKey();
      // Only the secret being replaced keeps a grace period; one rotated before it stops now.
      const rotated: ApiKeyRecord = { ...record, hash: hashKey(key) };
      if (grace > 0) rotated.previous = { hash: record.hash, validUntil: iso(at + grace * 1000) };
      else delete rotated.previous;
      await store.put(rotated);
      forget(record, rotated);
      logger?.info({ keyId: id, graceSeconds: grace }, 'api key rotated');
      return { key, record: rotated };
    },
    async verify(presented) {
      if (typeof presented !== 'string' || !PLAUSIBLE_KEY.test(presented)) return { ok: false, reason: 'unknown' };
      const hash = hashKey(presented);
      return judge(await lookUp(hash), hash, now());
    },
    describe: (record) => describeKey(record, now(), store.isReadOnly?.(record.id) ?? false),
    close: () => store.close?.() ?? Promise.resolve(),
  };
}
