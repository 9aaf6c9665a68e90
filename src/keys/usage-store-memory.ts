import { datesBetween, FIELDS, zero, type UsageCounts, type UsageStore } from './usage.js';

/** Usage of one process (without Redis): lost on restart; past `maxEntries` client-days the oldest go. */
export function createMemoryUsage({ maxEntries = 100_000 } = {}): UsageStore {
  const days = new Map<string, UsageCounts>();
  const keyOf = (client: string, date: string) => `${date}|${client}`;
  return {
    async add(client, date, counts) {
      const key = keyOf(client, date);
      let day = days.get(key);
      if (!day) {
        if (days.size >= maxEntries) days.delete(days.keys().next().value as string);
        days.set(key, (day = zero()));
      }
      for (const field of FIELDS) day[field] += counts[field];
    },
    async read(client, from, to) {
      return datesBetween(from, to).map((date) => ({ date, ...(days.get(keyOf(client, date)) ?? zero()) }));
    },
  };
}
