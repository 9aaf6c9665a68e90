import type { BudgetStore, Plan } from './budgets.js';

interface Bucket {
  points: number;
  at: number;
}

/** Budgets of one process (the default without Redis). `now` is injectable so tests control time. */
export function createMemoryBudgets({ now = Date.now, maxClients = 100_000 } = {}): BudgetStore {
  const buckets = new Map<string, Bucket>();

  function current(key: string, plan: Plan): Bucket {
    const time = now();
    const bucket = buckets.get(key);
    if (!bucket) {
      if (buckets.size >= maxClients) buckets.delete(buckets.keys().next().value as string);
      const fresh = { points: plan.capacity, at: time };
      buckets.set(key, fresh);
      return fresh;
    }
    bucket.points = Math.min(plan.capacity, bucket.points + ((time - bucket.at) / 1000) * plan.restoreRate);
    bucket.at = time;
    return bucket;
  }

  return {
    async take(key, cost, plan) {
      const bucket = current(key, plan);
      if (cost > bucket.points) return { allowed: false, available: bucket.points };
      bucket.points -= cost;
      return { allowed: true, available: bucket.points };
    },
    async refund(key, points, plan) {
      const bucket = current(key, plan);
      bucket.points = Math.min(plan.capacity, bucket.points + points);
      return bucket.points;
    },
    async charge(key, points, plan) {
      const bucket = current(key, plan);
      bucket.points -= points;
      return bucket.points;
    },
  };
}
