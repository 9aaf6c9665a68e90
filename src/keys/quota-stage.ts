import type { PorticoConfig } from '../config/index.js';
import type { GatewayContext } from '../context.js';
import { declareCallerOnly } from '../server/operation.js';
import type { PorticoPlugin } from '../server/pipeline.js';
import { refusal } from '../server/refusal.js';
import { rateLimitHeaders } from './quota-headers.js';
import { QuotaStoreUnavailable, quotaOf, type Quota, type QuotaResult, type QuotaStore } from './quota.js';

export interface QuotaEvents {
  /** In `measure` mode, a request `enforce` would have refused with this code. */
  wouldRefuse?(code: string): void;
}

export interface QuotaStageOptions {
  cost: PorticoConfig['cost'];
  store: QuotaStore;
  /** The clock that picks the quota period (tests move it). */
  now?: () => number;
  events?: QuotaEvents;
}

export interface QuotaStages {
  /** Place it first, before http-cache-control: its hook then runs last, once every other one has. */
  headers: PorticoPlugin;
  /** Place it right after the cost stage: it reads the estimate. */
  quota: PorticoPlugin;
}

/** A points quota consumed at its estimate, to settle with the actual cost on the way out. */
interface Pending {
  client: string;
  quota: Quota;
  consumed: number;
  at: number;
}

function quotaStatus(result: QuotaResult) {
  return { limit: result.limit, used: result.used, remaining: Math.max(0, result.limit - result.used), resetsAt: result.resetsAt };
}

/**
 * Quotas of usage plans (as API Gateway's: requests or cost points per day, week or month), and the
 * RateLimit headers of the budget. The quota stage counts a request once the cost stage let it
 * through (a throttled request counts nothing) and refuses it over quota with 429 QUOTA_EXCEEDED;
 * the cost stage then gives back its estimate, as for any request that did not run. A points quota
 * takes the estimate and is settled to the actual cost by the headers stage's hook, which runs after
 * the cost stage's (hooks run last registered first).
 */
export function useQuotas({ cost, store, now = Date.now, events = {} }: QuotaStageOptions): QuotaStages {
  const { budgets } = cost;
  const measuring = cost.mode === 'measure';
  const pending = new WeakMap<GatewayContext, Pending>();

  const headers: PorticoPlugin = {
    name: 'quota-headers',
    onOperation(op, scope) {
      // Here, not in the cost stage, so that requests refused before it are counted as theirs too.
      const { client } = op.context;
      op.context.report.client = client.key;
      op.context.report.plan = client.planName;
      const contextValue = op.context;
      scope.onResponse(async (response) => {
        const owed = pending.get(contextValue);
        pending.delete(contextValue);
        const actual = contextValue.report.cost?.actual;
        if (owed && actual !== undefined && actual !== owed.consumed) {
          // A store failing now costs the client nothing more: the estimate stays counted.
          await store.settle(owed.client, owed.quota, actual - owed.consumed, owed.at).catch(() => undefined);
        }
        const result = response.result;
        // What the body reports of the budget, the headers say; a `public` answer has had it removed.
        const fields = rateLimitHeaders((result.extensions?.cost as { throttleStatus?: unknown } | undefined)?.throttleStatus);
        for (const [name, value] of Object.entries(fields ?? {})) response.headers.set(name, value);
      });
    },
  };

  const quotaStage: PorticoPlugin = {
    name: 'quota',
    async onOperation(op, scope) {
      const { client } = op.context;
      const quota = quotaOf(budgets, client.planName);
      if (!quota) return;
      const estimated = op.context.report.cost?.estimated ?? 0;
      const amount = quota.unit === 'requests' ? 1 : estimated;
      const at = now();
      let result: QuotaResult;
      try {
        result = await store.consume(client.key, quota, amount, at);
      } catch (error) {
        if (error instanceof QuotaStoreUnavailable) throw refusal('Quotas are unavailable; try again shortly', 'SERVICE_UNAVAILABLE', 503);
        throw error;
      }
      if (result.allowed) {
        if (quota.unit === 'points') pending.set(op.context, { client: client.key, quota, consumed: amount, at });
        return;
      }
      const status = quotaStatus(result);
      const message =
        quota.unit === 'requests'
          ? `Quota exceeded: ${result.used} of ${result.limit} requests this ${quota.period} used; it resets at ${result.resetsAt}`
          : `Quota exceeded: this request's estimated ${amount} points are more than the ${status.remaining} of ${result.limit} left this ${quota.period}; it resets at ${result.resetsAt}`;
      const wait = Math.max(1, Math.ceil((Date.parse(result.resetsAt) - at) / 1000));
      if (!measuring) throw refusal(message, 'QUOTA_EXCEEDED', 429, { quota: status }, { 'retry-after': String(wait) });
      // `measure`: answered, and said what `enforce` would have done (as the cost stage does).
      const { report } = op.context;
      if (report.cost && !report.cost.wouldRefuse) report.cost.wouldRefuse = 'QUOTA_EXCEEDED';
      events.wouldRefuse?.('QUOTA_EXCEEDED');
      scope.onResponse((response) => {
        const { result } = response;
        response.result = { ...result, extensions: { ...result.extensions, quota: { ...status, mode: 'measure', wouldRefuse: { code: 'QUOTA_EXCEEDED', message } } } };
        // A `public` answer (a CDN may keep it for everyone) says nothing of this caller's quota.
        declareCallerOnly(response, 'quota');
      });
    },
  };

  return { headers, quota: quotaStage };
}
