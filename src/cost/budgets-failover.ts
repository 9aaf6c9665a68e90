import type { Logger } from 'pino';
import type { BudgetStore } from './budgets.js';
import { createMemoryBudgets } from './budgets-memory.js';

export class BudgetStoreUnavailable extends Error {}

/**
 * Wraps the shared store: when it fails, either keep serving on a local limiter (`open`) or refuse
 * (`closed`). Each call tries the shared store again, so it recovers as soon as the store answers.
 */
export function withFailover(shared: BudgetStore, mode: 'open' | 'closed', logger: Logger): BudgetStore {
  const local = createMemoryBudgets();
  let failing = false;
  const attempt = async <T>(call: (store: BudgetStore) => Promise<T>): Promise<T> => {
    try {
      const result = await call(shared);
      if (failing) logger.info('budget store is back');
      failing = false;
      return result;
    } catch (error) {
      if (!failing) logger.error({ err: { message: (error as Error).message }, mode }, 'budget store failed');
      failing = true;
      if (mode === 'closed') throw new BudgetStoreUnavailable('budget store unavailable');
      return call(local);
    }
  };
  return {
    take: (key, cost, plan) => attempt((s) => s.take(key, cost, plan)),
    refund: (key, points, plan) => attempt((s) => s.refund(key, points, plan)),
    charge: (key, points, plan) => attempt((s) => s.charge(key, points, plan)),
  };
}
