import { periodOf, quotaKey, type QuotaStore } from './quota.js';

/** Quota counts of one process (the default without Redis); past `maxEntries` the oldest go first. */
export function createMemoryQuotas({ maxEntries = 100_000 } = {}): QuotaStore {
  const counts = new Map<string, { used: number; end: number }>();
  const entry = (key: string, end: number) => {
    let found = counts.get(key);
    if (!found) {
      if (counts.size >= maxEntries) counts.delete(counts.keys().next().value as string);
      counts.set(key, (found = { used: 0, end }));
    }
    return found;
  };
  return {
    async consume(client, quota, amount, now) {
      const { end } = periodOf(quota.period, now);
      const count = entry(quotaKey(client, quota, now), end);
      const allowed = count.used + amount <= quota.limit;
      if (allowed) count.used += amount;
      return { allowed, used: count.used, limit: quota.limit, resetsAt: new Date(end).toISOString() };
    },
    async settle(client, quota, delta, at) {
      const count = entry(quotaKey(client, quota, at), periodOf(quota.period, at).end);
      count.used = Math.max(0, count.used + delta);
    },
  };
}
