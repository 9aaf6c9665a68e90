import { createHash } from 'node:crypto';
import type { PorticoConfig } from '../config/index.js';
import type { GatewayContext } from '../context.js';
import type { Plan } from './budgets.js';

export interface Client {
  /** Budget key: never holds a raw API key. */
  key: string;
  plan: Plan;
  /** The plan's name in `cost.budgets.plans`, or `default` (for quotas and per-plan metrics). */
  planName: string;
}

const hash = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 24);

/** Who spends the budget: the token's subject, else an API key, else the client address. */
export function identifyClient(
  context: GatewayContext,
  apiKey: string | undefined,
  budgets: PorticoConfig['cost']['budgets'],
): Client {
  const byDefault = { plan: { capacity: budgets.capacity, restoreRate: budgets.restoreRate } as Plan, planName: 'default' };
  const named = (name: unknown) => (typeof name === 'string' && Object.hasOwn(budgets.plans, name) ? { plan: budgets.plans[name], planName: name } : undefined);
  const { caller } = context;
  if (caller.sub) {
    const plan = named(budgets.clients[`sub:${caller.sub}`]) ?? named(budgets.planClaim && caller.claims[budgets.planClaim]);
    return { key: `sub:${caller.sub}`, ...(plan ?? byDefault) };
  }
  if (apiKey) return { key: `key:${hash(apiKey)}`, ...(named(budgets.clients[`key:${apiKey}`]) ?? byDefault) };
  return { key: `ip:${context.clientAddress}`, ...byDefault };
}
