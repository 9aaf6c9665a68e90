import type { Logger } from 'pino';
import { createFailover } from '../stores/failover.js';
import type { PorticoConfig } from '../config/index.js';

/** A plan's quota, as configured: at most `limit` requests or cost points per UTC period. */
export type Quota = NonNullable<PorticoConfig['cost']['budgets']['quota']>;

export interface QuotaResult {
  allowed: boolean;
  /** Used in the current period, after this request when allowed (before it when refused). */
  used: number;
  limit: number;
  /** When the period ends and the count starts again from zero (ISO 8601, UTC). */
  resetsAt: string;
}

/** Counts of use per client and per quota period, shared by replicas when in Redis. */
export interface QuotaStore {
  /** Adds `amount` when `used + amount <= limit`; otherwise adds nothing. `now` picks the period. */
  consume(client: string, quota: Quota, amount: number, now: number): Promise<QuotaResult>;
  /**
   * Adds `delta` (the actual cost minus the estimate consumed; negative gives points back) to the
   * period that held `at`, the time of the consume, whatever the limit.
   */
  settle(client: string, quota: Quota, delta: number, at: number): Promise<void>;
}

export class QuotaStoreUnavailable extends Error {}

const DAY = 86_400_000;
const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The UTC period holding `now`: a day, a week from Monday 00:00, or a calendar month. */
export function periodOf(period: Quota['period'], now: number): { id: string; start: number; end: number } {
  const day = Math.floor(now / DAY) * DAY;
  if (period === 'day') return { id: `d${date(day)}`, start: day, end: day + DAY };
  if (period === 'week') {
    const start = day - ((new Date(day).getUTCDay() + 6) % 7) * DAY;
    return { id: `w${date(start)}`, start, end: start + 7 * DAY };
  }
  const at = new Date(day);
  const start = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1);
  return { id: `m${date(start).slice(0, 7)}`, start, end: Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1) };
}

/** Where one client's count for one quota and period is kept (the unit too: changing it starts afresh). */
export const quotaKey = (client: string, quota: Quota, now: number) => `${quota.unit}:${periodOf(quota.period, now).id}:${client}`;

/** The quota of a plan by name (`default` is the default plan), if it has one. */
export function quotaOf(budgets: PorticoConfig['cost']['budgets'], planName: string): Quota | undefined {
  if (planName === 'default') return budgets.quota;
  return Object.hasOwn(budgets.plans, planName) ? budgets.plans[planName].quota : undefined;
}

/**
 * As the budgets do (cost.budgets.onStoreError): when the shared store fails, count on a local
 * store (`open`: each replica then counts on its own until Redis answers) or refuse (`closed`).
 */
export function withQuotaFailover(shared: QuotaStore, local: QuotaStore, mode: 'open' | 'closed', logger: Logger): QuotaStore {
  const attempt = createFailover(shared, local, mode, logger, 'quota store', () => new QuotaStoreUnavailable('quota store unavailable'));
  return {
    consume: (client, quota, amount, now) => attempt((s) => s.consume(client, quota, amount, now)),
    settle: (client, quota, delta, at) => attempt((s) => s.settle(client, quota, delta, at)),
  };
}
