// API keys as credentials: the secret's format, its hash, and the record kept in its place.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** What a store keeps for one key: never the key itself, only its SHA-256. */
export interface ApiKeyRecord {
  /** Public: `key_` + 16 hex characters; logs, usage and the admin API name a key by it. */
  id: string;
  name?: string;
  plan: string;
  /** SHA-256 of the key, hex. */
  hash: string;
  /** ISO 8601. */
  createdAt: string;
  expiresAt?: string;
  state: 'active' | 'revoked';
  revokedAt?: string;
  /** A rotated key's previous secret, still accepted until `validUntil` (the grace period). */
  previous?: { hash: string; validUntil: string };
}

/** A key as the admin API and the CLI show it: no secret, no hash. */
export interface ApiKeyInfo {
  id: string;
  name?: string;
  plan: string;
  createdAt: string;
  expiresAt?: string;
  state: 'active' | 'revoked';
  revokedAt?: string;
  /** Set once `expiresAt` has passed (the key is refused). */
  expired?: true;
  /** Set while a rotated key's previous secret is still accepted. */
  previousValidUntil?: string;
  /** From the config file (`apiKeys.static`): cannot be revoked or rotated from here. */
  static?: true;
}

/** Where key records live. `byHash` also finds a record by its previous (rotated) hash. */
export interface ApiKeyStore {
  list(): Promise<ApiKeyRecord[]>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  /** Creates or replaces the record with this id. */
  put(record: ApiKeyRecord): Promise<void>;
  byHash(hash: string): Promise<ApiKeyRecord | undefined>;
  /** True for records that cannot be changed here (static keys from the config file). */
  isReadOnly?(id: string): boolean;
  close?(): Promise<void>;
}

export const KEY_PREFIX = 'pk_';

/** A new secret: `pk_` + 32 random bytes, base64url (43 characters). */
export function generateKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function generateKeyId(): string {
  return `key_${randomBytes(8).toString('hex')}`;
}

/** SHA-256, hex: what is stored and looked up in place of the key. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Compares two hex hashes in constant time. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

export function describeKey(record: ApiKeyRecord, now = Date.now(), isStatic = false): ApiKeyInfo {
  const info: ApiKeyInfo = { id: record.id, plan: record.plan, createdAt: record.createdAt, state: record.state };
  if (record.name !== undefined) info.name = record.name;
  if (record.expiresAt) info.expiresAt = record.expiresAt;
  if (record.expiresAt && Date.parse(record.expiresAt) <= now) info.expired = true;
  if (record.revokedAt) info.revokedAt = record.revokedAt;
  if (record.previous && record.state === 'active' && Date.parse(record.previous.validUntil) > now) info.previousValidUntil = record.previous.validUntil;
  if (isStatic) info.static = true;
  return info;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** `90d`, `24h`, `30m`, `3600s`, `2w` or a plain number of seconds → seconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,9})([smhdw]?)$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNITS[match[2] || 's'];
}

/** A stored record as read back from a file or Redis (anything else is ignored, not trusted). */
export const apiKeyRecordSchema = z.object({
  id: z.string().min(1).max(128),
  name: z.string().max(256).optional(),
  plan: z.string().min(1),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.string(),
  expiresAt: z.string().optional(),
  state: z.enum(['active', 'revoked']),
  revokedAt: z.string().optional(),
  previous: z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/), validUntil: z.string() }).optional(),
});
