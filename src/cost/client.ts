import { createHash } from 'node:crypto';
import type { PorticoConfig } from '../config/index.js';
import type { GatewayContext } from '../context.js';
import type { Plan } from './budgets.js';

export interface Client {
  /** Budget key: never holds a raw API key. */
  key: string;
  plan: Plan;
}

const hash = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 24);

/** Who spends the budget: the token's subject, else an API key, else the client address. */
export function identifyClient(
  context: GatewayContext,
  apiKey: string | undefined,
  budgets: PorticoConfig['cost']['budgets'],
): Client {
  const defaultPlan: Plan = { capacity: budgets.capacity, restoreRate: budgets.restoreRate };
  const named = (name: unknown) => (typeof name === 'string' ? budgets.plans[name] : undefined);
  const { caller } = context;
  if (caller.sub) {
    const plan = named(budgets.clients[`sub:${caller.sub}`]) ?? named(budgets.planClaim && caller.claims[budgets.planClaim]);
    return { key: `sub:${caller.sub}`, plan: plan ?? defaultPlan };
  }
  if (apiKey) return { key: `key:${hash(apiKey)}`, plan: named(budgets.clients[`key:${apiKey}`]) ?? defaultPlan };
  return { key: `ip:${context.clientAddress}`, plan: defaultPlan };
}
