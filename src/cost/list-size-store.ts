import type { RedisClient } from '../stores/redis.js';
import { redisScript } from '../stores/redis-script.js';

/** The longest list each client was answered, per field coordinate (`Type.field`). */
export type ClientMaxima = Map<string, Map<string, number>>;

/**
 * Where learned list sizes are kept: per scope (a supergraph) and period, each client's longest
 * answer per field. In this process by default; in Redis with `redisUrl`, so replicas learn together.
 */
export interface ListSizeStore {
  /** Raises each client's maximum for the period to the lengths given (never lowers one). */
  record(scope: string, period: number, observed: ClientMaxima, options: { keepMs: number; maxClients: number }): Promise<void>;
  /** Each client's maximum per field over these periods. */
  read(scope: string, periods: number[]): Promise<ClientMaxima>;
}

function raise(into: Map<string, number>, client: string, length: number, maxClients: number): void {
  const known = into.get(client);
  if (known !== undefined) {
    if (length > known) into.set(client, length);
    return;
  }
  if (into.size < maxClients) return void into.set(client, length);
  // Full: a new client replaces the smallest maximum if it is larger (the kept set errs on the large side).
  let smallest: [string, number] | undefined;
  for (const entry of into) if (!smallest || entry[1] < smallest[1]) smallest = entry;
  if (smallest && length > smallest[1]) {
    into.delete(smallest[0]);
    into.set(client, length);
  }
}

function mergeMaxima(into: ClientMaxima, coordinate: string, client: string, length: number): void {
  let clients = into.get(coordinate);
  if (!clients) into.set(coordinate, (clients = new Map()));
  const known = clients.get(client);
  if (known === undefined || length > known) clients.set(client, length);
}

export function createMemoryListSizeStore(now: () => number = Date.now): ListSizeStore {
  const periods = new Map<string, { maxima: ClientMaxima; expires: number }>();
  return {
    async record(scope, period, observed, { keepMs, maxClients }) {
      const time = now();
      for (const [key, value] of periods) if (value.expires <= time) periods.delete(key);
      const key = `${scope}:${period}`;
      let entry = periods.get(key);
      if (!entry) periods.set(key, (entry = { maxima: new Map(), expires: time + keepMs }));
      for (const [coordinate, clients] of observed) {
        let kept = entry.maxima.get(coordinate);
        if (!kept) entry.maxima.set(coordinate, (kept = new Map()));
        for (const [client, length] of clients) raise(kept, client, length, maxClients);
      }
    },
    async read(scope, wanted) {
      const merged: ClientMaxima = new Map();
      for (const period of wanted) {
        for (const [coordinate, clients] of periods.get(`${scope}:${period}`)?.maxima ?? []) {
          for (const [client, length] of clients) mergeMaxima(merged, coordinate, client, length);
        }
      }
      return merged;
    },
  };
}

// Raises the clients' maxima in one field's hash (KEYS[1]) and lists the field in the period's index
// (KEYS[2]); a full hash takes a new client only in place of a smaller maximum.
const RECORD = `
local cap = tonumber(ARGV[1])
local keep = tonumber(ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
for i = 4, #ARGV, 2 do
  local client, length = ARGV[i], tonumber(ARGV[i + 1])
  local known = tonumber(redis.call('HGET', KEYS[1], client))
  if known then
    if length > known then redis.call('HSET', KEYS[1], client, length) end
  elseif redis.call('HLEN', KEYS[1]) < cap then
    redis.call('HSET', KEYS[1], client, length)
  else
    local all = redis.call('HGETALL', KEYS[1])
    local smallest, at = nil, nil
    for j = 1, #all, 2 do
      local v = tonumber(all[j + 1])
      if not smallest or v < smallest then smallest, at = v, all[j] end
    end
    if smallest and length > smallest then
      redis.call('HDEL', KEYS[1], at)
      redis.call('HSET', KEYS[1], client, length)
    end
  end
end
redis.call('PEXPIRE', KEYS[1], keep)
redis.call('PEXPIRE', KEYS[2], keep)
return 1
`;

export function createRedisListSizeStore(client: RedisClient, prefix: string): ListSizeStore {
  const record = redisScript<number>(client, RECORD);
  const index = (scope: string, period: number) => `${prefix}:sizes:${scope}:${period}`;
  return {
    async record(scope, period, observed, { keepMs, maxClients }) {
      for (const [coordinate, clients] of observed) {
        const pairs = [...clients].flatMap(([id, length]) => [id, String(length)]);
        await record([`${index(scope, period)}:${coordinate}`, index(scope, period)], [String(maxClients), String(keepMs), coordinate, ...pairs]);
      }
    },
    async read(scope, wanted) {
      const merged: ClientMaxima = new Map();
      for (const period of wanted) {
        const coordinates = await client.sMembers(index(scope, period));
        for (const coordinate of coordinates) {
          const clients = await client.hGetAll(`${index(scope, period)}:${coordinate}`);
          for (const [id, length] of Object.entries(clients)) mergeMaxima(merged, coordinate, id, Number(length));
        }
      }
      return merged;
    },
  };
}
