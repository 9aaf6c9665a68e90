import type { RedisClient } from '../stores/redis.js';
import { datesBetween, FIELDS, type UsageStore } from './usage.js';

/** Usage in Redis: a hash per client and day (`<prefix>:usage:<client>:<date>`), kept `retentionDays`. */
export function createRedisUsage(client: RedisClient, prefix: string, retentionDays: number): UsageStore {
  const keyOf = (who: string, date: string) => `${prefix}:usage:${who}:${date}`;
  return {
    async add(who, date, counts) {
      const key = keyOf(who, date);
      const multi = client.multi();
      for (const field of FIELDS) if (counts[field]) multi.hIncrByFloat(key, field, counts[field]);
      multi.expire(key, retentionDays * 86_400);
      await multi.exec();
    },
    async read(who, from, to) {
      const dates = datesBetween(from, to);
      const multi = client.multi();
      for (const date of dates) multi.hmGet(keyOf(who, date), [...FIELDS]);
      const rows = (await multi.exec()) as unknown as Array<Array<string | null>>;
      return dates.map((date, i) => {
        const row = rows[i];
        const [requests, points, throttled, refused] = FIELDS.map((_, f) => Number(row?.[f] ?? 0));
        return { date, requests, points, throttled, refused };
      });
    },
  };
}
