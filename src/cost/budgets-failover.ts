import type { Logger } from 'pino';
import type { BudgetStore } from './budgets.js';
import { createMemoryBudgets } from './budgets-memory.js';
import { createFailover } from '../stores/failover.js';

export class BudgetStoreUnavailable extends Error {}

/**
 * Wraps the shared store: when it fails, either keep serving on a local limiter (`open`) or refuse
 * (`closed`). Each call tries the shared store again, so it recovers as soon as the store answers.
 */
export function withFailover(shared: BudgetStore, mode: 'open' | 'closed', logger: Logger): BudgetStore {
  const attempt = createFailover(shared, createMemoryBudgets(), mode, logger, 'budget store', () => new BudgetStoreUnavailable('budget store unavailable'));
  return {
    take: (key, cost, plan) => attempt((s) => s.take(key, cost, plan)),
    refund: (key, points, plan) => attempt((s) => s.refund(key, points, plan)),
    charge: (key, points, plan) => attempt((s) => s.charge(key, points, plan)),
  };
}
