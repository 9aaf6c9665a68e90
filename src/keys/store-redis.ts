import type { RedisClient } from '../stores/redis.js';
import { redisScript } from '../stores/redis-script.js';
import { apiKeyRecordSchema, type ApiKeyRecord, type ApiKeyStore } from './api-key.js';
import { ApiKeyStoreError } from './store-errors.js';

const BY_HASH = `
local id = redis.call('HGET', KEYS[2], ARGV[1])
if not id then return false end
return redis.call('HGET', KEYS[1], id)
`;

// Replaces a record and its hash index in one step: hashes the record no longer holds (a secret
// rotated twice) stop pointing at it.
const PUT = `
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  local r = cjson.decode(old)
  local hashes = { r.hash }
  if type(r.previous) == 'table' then table.insert(hashes, r.previous.hash) end
  for _, h in ipairs(hashes) do
    if h ~= ARGV[3] and h ~= ARGV[4] and redis.call('HGET', KEYS[2], h) == ARGV[1] then redis.call('HDEL', KEYS[2], h) end
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[3], ARGV[1])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[2], ARGV[4], ARGV[1]) end
return 1
`;

function parse(text: unknown): ApiKeyRecord | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const result = apiKeyRecordSchema.safeParse(JSON.parse(text));
    return result.success ? (result.data as ApiKeyRecord) : undefined;
  } catch {
    return undefined;
  }
}

async function guarded<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new ApiKeyStoreError(`API key store (Redis) unavailable: cannot ${what}`, { cause: error });
  }
}

/**
 * Keys in Redis, seen by every replica: `<prefix>:apikeys` (id → record JSON) and
 * `<prefix>:apikeys:byhash` (hash → id, current and previous secrets).
 */
export function createRedisKeyStore(client: RedisClient, redisPrefix: string): ApiKeyStore {
  const records = `${redisPrefix}:apikeys`;
  const hashes = `${redisPrefix}:apikeys:byhash`;
  const byHash = redisScript<string | null>(client, BY_HASH);
  const put = redisScript<number>(client, PUT);
  return {
    list: () =>
      guarded('list keys', async () => {
        const flat = (await client.sendCommand(['HGETALL', records])) as unknown;
        // RESP2 gives [field, value, ...]; RESP3 a map.
        const values = Array.isArray(flat) ? flat.filter((_, i) => i % 2 === 1) : Object.values(flat as Record<string, unknown>);
        return values.map(parse).filter((r): r is ApiKeyRecord => r !== undefined);
      }),
    get: (id) => guarded('read a key', async () => parse(await client.sendCommand(['HGET', records, id]))),
    byHash: (hash) => guarded('look up a key', async () => parse(await byHash([records, hashes], [hash]))),
    put: (record) =>
      guarded('write a key', async () => {
        await put([records, hashes], [record.id, JSON.stringify(record), record.hash, record.previous?.hash ?? '']);
      }),
  };
}
