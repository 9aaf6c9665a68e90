import type { Caller } from './auth/caller.js';
import type { Client } from './cost/client.js';
import type { CallerIdentity } from './identity/caller-identity.js';

/** What happened to one request, filled in by the stages and read by logs and metrics. */
export interface RequestReport {
  operationName?: string | null;
  operationType?: string;
  cost?: { estimated: number; actual?: number; mode?: 'measure'; wouldRefuse?: string };
  cache?: 'HIT' | 'MISS' | 'BYPASS';
  /** The entry point that ran the operation: `http` (Portico's own reader) or `apollo` (Apollo Server's). */
  entry?: string;
  /** Client id for budgets: `sub:…`, `key:<hash>` or `ip:…`. */
  client?: string;
  /** The client's plan (`default` or a name in cost.budgets.plans), for per-plan metrics. */
  plan?: string;
  errorCodes: string[];
  /** The REST route that ran the operation (`GET /api/todos/{id}`), when one did. */
  route?: string;
}

/** What every plugin and the subgraph fetcher know about one request. */
export interface GatewayContext {
  caller: Caller;
  /** From the caller's `x-request-id`, or made here; passed on to the subgraphs. */
  requestId: string;
  /** The client's address (from X-Forwarded-For only when server.trustProxy is on). */
  clientAddress: string;
  report: RequestReport;
  /** The request's verified API key (`x-api-key`, see src/keys): its public id and plan. */
  apiKey?: { id: string; plan: string };
  /** Who the subgraphs are told the caller is (signed), and the private cache key: resolved once. */
  identity: CallerIdentity;
  /** Who spends the budget (src/cost/client.ts): resolved once, with the context. */
  client: Client;
  /**
   * Entities the subgraphs declared they changed (`extensions.invalidation` in their answers, as
   * Apollo Router reads it): the cache evicts them after a mutation.
   */
  invalidations?: Array<{ type: string; key: Record<string, string | number> }>;
  /** Some subgraph answer was shared with an earlier identical call: it may predate this request. */
  sharedSubgraphAnswer?: boolean;
}
