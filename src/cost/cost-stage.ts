import type { PorticoConfig } from '../config/index.js';
import type { Stage } from '../server/pipeline.js';
import { refusal } from '../server/refusal.js';
import { analyzeCost, type CostAnalysis } from './analyze.js';
import { BudgetStoreUnavailable } from './budgets-failover.js';
import { retryAfterSeconds, type BudgetStore } from './budgets.js';
import { actualCost, estimateCost } from './calculate.js';
import { identifyClient } from './client.js';
import { buildCostSchema, type CostSchema } from './cost-schema.js';
import type { Supergraph } from '../gateway/supergraph.js';

const CACHE_SIZE = 1000;

export interface CostControl {
  useSupergraph(supergraph: Supergraph): void;
  stage: Stage;
}

/**
 * Estimates an operation's cost before anything runs (cached per document, variables applied per
 * request), refuses it above the ceiling, takes it from the client's budget, gives back the
 * difference to the actual cost after execution, and reports both in `extensions.cost`.
 */
export function createCostControl(cost: PorticoConfig['cost'], budgets: BudgetStore | undefined): CostControl {
  let current: { schema: CostSchema; analyses: Map<string, CostAnalysis> } | undefined;
  // A cached answer is one object served many times: count its cost once.
  const actualByData = new WeakMap<object, number>();
  const actualOf = (analysis: CostAnalysis, data: Record<string, unknown> | null | undefined) => {
    if (!data) return 0;
    let actual = actualByData.get(data);
    if (actual === undefined) actualByData.set(data, (actual = actualCost(analysis, data)));
    return actual;
  };

  // Without variables, an operation's estimate never changes: computed once.
  const plainEstimates = new WeakMap<CostAnalysis, number>();
  const estimateOf = (analysis: CostAnalysis, variables: Record<string, unknown> | undefined) => {
    if (variables && Object.keys(variables).length) return estimateCost(analysis, variables, cost.defaultListSize);
    let estimated = plainEstimates.get(analysis);
    if (estimated === undefined) plainEstimates.set(analysis, (estimated = estimateCost(analysis, {}, cost.defaultListSize)));
    return estimated;
  };

  return {
    useSupergraph(supergraph) {
      current = { schema: buildCostSchema(supergraph), analyses: new Map() };
    },
    stage: {
      name: 'cost',
      async operation(rc, scope) {
        if (!current || !rc.operation) return;
        // Authorization ran first: the hash is that of what this caller may see.
        const key = `${rc.queryHash}:${rc.operationName ?? ''}`;
        let analysis = current.analyses.get(key);
        if (!analysis) {
          analysis = analyzeCost(current.schema, rc.document, rc.operation);
          if (current.analyses.size >= CACHE_SIZE) current.analyses.delete(current.analyses.keys().next().value as string);
          current.analyses.set(key, analysis);
        }
        const estimated = estimateOf(analysis, rc.request.variables);
        const reported: { estimated: number; actual?: number } = { estimated };
        rc.contextValue.report.cost = reported;
        const report: { requestedQueryCost: number; actualQueryCost?: number; throttleStatus?: Record<string, number> } = {
          requestedQueryCost: estimated,
        };
        scope.beforeResponse((response) => {
          if (response.response.body.kind !== 'single') return;
          const result = response.response.body.singleResult;
          result.extensions = { ...result.extensions, cost: report };
        });
        if (estimated > cost.maxCost) {
          throw refusal(`Estimated cost ${estimated} exceeds the maximum of ${cost.maxCost}`, 'COST_ESTIMATED_TOO_EXPENSIVE', 400, {
            cost: { estimated, maximum: cost.maxCost },
          });
        }
        if (!budgets || !cost.budgets.enabled) return;

        const apiKey = rc.request.http?.headers.get(cost.budgets.apiKeyHeader);
        const client = identifyClient(rc.contextValue, apiKey, cost.budgets);
        const { plan } = client;
        rc.contextValue.report.client = client.key;
        if (estimated > plan.capacity) {
          throw refusal(`Estimated cost ${estimated} exceeds your budget's capacity of ${plan.capacity}`, 'COST_ESTIMATED_TOO_EXPENSIVE', 400, {
            cost: { estimated, maximum: plan.capacity },
          });
        }
        let taken;
        try {
          taken = await budgets.take(client.key, estimated, plan);
        } catch (error) {
          if (error instanceof BudgetStoreUnavailable) throw refusal('Cost budgets are unavailable; try again shortly', 'SERVICE_UNAVAILABLE', 503);
          throw error;
        }
        const status = (available: number) => ({ maximumAvailable: plan.capacity, currentlyAvailable: Math.floor(available), restoreRate: plan.restoreRate });
        report.throttleStatus = status(taken.available);
        if (!taken.allowed) {
          const wait = retryAfterSeconds(estimated, taken.available, plan);
          throw refusal(`Throttled: this request costs ${estimated}, ${Math.floor(taken.available)} available`, 'THROTTLED', 429, { retryAfterSeconds: wait }, { 'retry-after': String(wait) });
        }
        scope.beforeResponse(async (response) => {
          const body = response.response.body;
          const actual = body.kind === 'single' ? actualOf(analysis, body.singleResult.data) : estimated;
          report.actualQueryCost = actual;
          reported.actual = actual;
          if (actual < estimated) {
            const available = await budgets.refund(client.key, estimated - actual, plan).catch(() => undefined);
            if (available !== undefined) report.throttleStatus = status(available);
          }
        });
      },
    },
  };
}
