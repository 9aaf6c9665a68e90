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

/**
 * Who spends the budget: the token's subject, else the verified API key (its plan), else the client
 * address. Resolved once per request, into the context (`context.client`): every stage counts the same client.
 */
export function identifyClient(context: Pick<GatewayContext, 'caller' | 'apiKey' | 'clientAddress'>, budgets: PorticoConfig['cost']['budgets']): Client {
  const byDefault = { plan: { capacity: budgets.capacity, restoreRate: budgets.restoreRate } as Plan, planName: 'default' };
  const named = (name: unknown) => (typeof name === 'string' && Object.hasOwn(budgets.plans, name) ? { plan: budgets.plans[name], planName: name } : undefined);
  const { caller, apiKey } = context;
  if (caller.sub) {
    const plan = named(budgets.clients[`sub:${caller.sub}`]) ?? named(budgets.planClaim && caller.claims[budgets.planClaim]);
    return { key: `sub:${caller.sub}`, ...(plan ?? byDefault) };
  }
  // An issued key (see src/keys): its plan, unless the config assigns its id another.
  if (apiKey) return { key: `key:${apiKey.id}`, ...(named(budgets.clients[`key:${apiKey.id}`]) ?? named(apiKey.plan) ?? byDefault) };
  return { key: `ip:${context.clientAddress}`, ...byDefault };
}
