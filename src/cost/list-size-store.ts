import type { RedisClient } from '../stores/redis.js';

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

/** One field's clients in one period: at most `maxClients`, the largest maxima kept. */
interface Kept {
  clients: Map<string, number>;
  /** The smallest maximum kept, once full (a smaller newcomer is dropped without a scan). */
  floor?: number;
}

function raise(kept: Kept, client: string, length: number, maxClients: number): void {
  const known = kept.clients.get(client);
  if (known !== undefined) {
    if (length > known) kept.clients.set(client, length);
    if (known === kept.floor) kept.floor = undefined;
    return;
  }
  if (kept.clients.size < maxClients) return void kept.clients.set(client, length);
  if (kept.floor !== undefined && length <= kept.floor) return;
  let smallest: [string, number] | undefined;
  for (const entry of kept.clients) if (!smallest || entry[1] < smallest[1]) smallest = entry;
  if (smallest && length > smallest[1]) {
    kept.clients.delete(smallest[0]);
    kept.clients.set(client, length);
    kept.floor = undefined;
  } else {
    kept.floor = smallest?.[1];
  }
}

function mergeMaxima(into: ClientMaxima, coordinate: string, client: string, length: number): void {
  let clients = into.get(coordinate);
  if (!clients) into.set(coordinate, (clients = new Map()));
  const known = clients.get(client);
  if (known === undefined || length > known) clients.set(client, length);
}

export function createMemoryListSizeStore(now: () => number = Date.now): ListSizeStore {
  const periods = new Map<string, { fields: Map<string, Kept>; expires: number }>();
  return {
    async record(scope, period, observed, { keepMs, maxClients }) {
      const time = now();
      for (const [key, value] of periods) if (value.expires <= time) periods.delete(key);
      const key = `${scope}:${period}`;
      let entry = periods.get(key);
      if (!entry) periods.set(key, (entry = { fields: new Map(), expires: time + keepMs }));
      for (const [coordinate, clients] of observed) {
        let kept = entry.fields.get(coordinate);
        if (!kept) entry.fields.set(coordinate, (kept = { clients: new Map() }));
        for (const [client, length] of clients) raise(kept, client, length, maxClients);
      }
    },
    async read(scope, wanted) {
      const merged: ClientMaxima = new Map();
      for (const period of wanted) {
        for (const [coordinate, kept] of periods.get(`${scope}:${period}`)?.fields ?? []) {
          for (const [client, length] of kept.clients) mergeMaxima(merged, coordinate, client, length);
        }
      }
      return merged;
    },
  };
}

const CHUNK = 256;

/**
 * In Redis, one sorted set per field and period (client → its longest answer): `ZADD GT` only ever
 * raises a client's maximum, and trimming by rank keeps the `maxClients` largest, each step
 * O(log n) (no scan of the set, so a burst of new clients cannot stall the Redis every replica shares).
 */
export function createRedisListSizeStore(client: RedisClient, prefix: string): ListSizeStore {
  const index = (scope: string, period: number) => `${prefix}:sizes:${scope}:${period}`;
  return {
    async record(scope, period, observed, { keepMs, maxClients }) {
      const fields = index(scope, period);
      for (const [coordinate, clients] of observed) {
        const key = `${fields}:${coordinate}`;
        const pairs = [...clients].flatMap(([id, length]) => [String(length), id]);
        for (let i = 0; i < pairs.length; i += CHUNK * 2) await client.sendCommand(['ZADD', key, 'GT', ...pairs.slice(i, i + CHUNK * 2)]);
        await client.sendCommand(['ZREMRANGEBYRANK', key, '0', String(-(maxClients + 1))]);
        await client.sendCommand(['PEXPIRE', key, String(keepMs)]);
        await client.sendCommand(['SADD', fields, coordinate]);
      }
      if (observed.size) await client.sendCommand(['PEXPIRE', fields, String(keepMs)]);
    },
    async read(scope, wanted) {
      const merged: ClientMaxima = new Map();
      for (const period of wanted) {
        const fields = index(scope, period);
        const coordinates = (await client.sendCommand(['SMEMBERS', fields])) as string[];
        for (const coordinate of coordinates) {
          const flat = (await client.sendCommand(['ZRANGE', `${fields}:${coordinate}`, '0', '-1', 'WITHSCORES'])) as string[];
          for (let i = 0; i < flat.length; i += 2) mergeMaxima(merged, coordinate, flat[i], Number(flat[i + 1]));
        }
      }
      return merged;
    },
  };
}
