/** Capacity and refill of one client's budget, like an API gateway usage plan. */
export interface Plan {
  /** Points a client may spend at once. */
  capacity: number;
  /** Points restored per second. */
  restoreRate: number;
}

export interface TakeResult {
  allowed: boolean;
  /** Points left after this request (or available now, when refused). */
  available: number;
}

/** Token buckets of cost points, one per client. */
export interface BudgetStore {
  /** Takes `cost` points when that many are available; otherwise takes nothing. */
  take(key: string, cost: number, plan: Plan): Promise<TakeResult>;
  /** Gives `points` back (capped at the capacity); returns what is available after. */
  refund(key: string, points: number, plan: Plan): Promise<number>;
  /**
   * Takes `points` whether or not they are available (work already done above the estimate): the
   * bucket may go below zero, and the client waits until it refills. Returns what is available after.
   */
  charge(key: string, points: number, plan: Plan): Promise<number>;
}

/** Seconds until `cost` points are available again. */
export function retryAfterSeconds(cost: number, available: number, plan: Plan): number {
  return Math.max(1, Math.ceil((cost - available) / plan.restoreRate));
}
