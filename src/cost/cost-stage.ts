import type { GraphQLError } from 'graphql';
import type { PorticoConfig } from '../config/index.js';
import { declareCallerOnly } from '../server/operation.js';
import type { PorticoPlugin } from '../server/pipeline.js';
import { refusal } from '../server/refusal.js';
import { analyzeCost, type CostAnalysis } from './analyze.js';
import { BudgetStoreUnavailable } from './budgets-failover.js';
import { retryAfterSeconds, type BudgetStore } from './budgets.js';
import { actualCost, estimateCost } from './calculate.js';
import { buildCostSchema, type CostSchema } from './cost-schema.js';
import { learningVoter, type ListSizeLearner } from './list-sizes.js';
import { supergraphId } from '../gateway/supergraph.js';


export interface CostEvents {
  /** In `measure` mode, a request that `enforce` would have refused with this code. */
  wouldRefuse?(code: string): void;
  /** Actual cost of an answered operation. */
  actual?(cost: number): void;
}

interface CostReport {
  requestedQueryCost: number;
  actualQueryCost?: number;
  throttleStatus?: Record<string, number>;
  /** `measure` mode: what enforcing would have done. */
  mode?: 'measure';
  wouldRefuse?: { code: string; message: string };
}

/**
 * Estimates an operation's cost before anything runs (cached per document, variables as execution
 * sees them applied per request), refuses it above the ceiling, takes it from the client's budget,
 * settles the difference to the actual cost after execution (a refund below the estimate, a charge
 * above it), and reports both in `extensions.cost`. In `measure` mode nothing is refused.
 */
export function useCost(
  cost: PorticoConfig['cost'],
  budgets: BudgetStore | undefined,
  learner?: ListSizeLearner,
  events: CostEvents = {},
): PorticoPlugin {
  let current: CostSchema | undefined;
  const measuring = cost.mode === 'measure';
  const sizes = learner ? (field: string) => learner.sizeOf(field, cost.defaultListSize) : cost.defaultListSize;

  // A cached answer is one object served many times: count its cost (and learn from it) once.
  const actualByData = new WeakMap<object, number>();
  const actualOf = (analysis: CostAnalysis, data: Record<string, unknown> | null | undefined, client: string) => {
    if (!data) return 0;
    let actual = actualByData.get(data);
    if (actual === undefined) {
      const voter = learningVoter(client);
      actual = actualCost(analysis, data, learner && ((field, length) => learner.observe(voter, field, length)));
      actualByData.set(data, actual);
    }
    return actual;
  };

  // An operation without variables always has the same estimate (until learned sizes change).
  const plainEstimates = new WeakMap<CostAnalysis, { version: number; estimate: number }>();
  const estimateOf = (analysis: CostAnalysis, variables: Readonly<Record<string, unknown>>) => {
    if (analysis.operation.variableDefinitions?.length) return estimateCost(analysis, variables, sizes);
    const version = learner?.version ?? 0;
    let known = plainEstimates.get(analysis);
    if (known?.version !== version) plainEstimates.set(analysis, (known = { version, estimate: estimateCost(analysis, {}, sizes) }));
    return known.estimate;
  };

  return {
    name: 'cost',
    onSupergraph(supergraph) {
      current = buildCostSchema(supergraph);
      learner?.useSupergraph(supergraphId(supergraph));
    },
    async onOperation(op, scope) {
        const schema = current;
        if (!schema) return;
        // Authorization ran first: the document is what this caller may see.
        const analysis = op.analysis('cost', () => analyzeCost(schema, op.runs.document, op.runs.definition));
        const estimated = estimateOf(analysis, op.variables);
        const reported: NonNullable<typeof op.context.report.cost> = { estimated, ...(measuring ? { mode: 'measure' as const } : {}) };
        op.context.report.cost = reported;
        const report: CostReport = { requestedQueryCost: estimated, ...(measuring ? { mode: 'measure' as const } : {}) };
        scope.onResponse((response) => {
          response.result = { ...response.result, extensions: { ...response.result.extensions, cost: report } };
          if (report.throttleStatus) declareCallerOnly(response, 'cost.throttleStatus');
        });
        // `enforce` throws; `measure` notes the first refusal it would have made and goes on.
        const refuse = (error: GraphQLError) => {
          if (!measuring) throw error;
          if (report.wouldRefuse) return;
          const code = String(error.extensions.code);
          report.wouldRefuse = { code, message: error.message };
          reported.wouldRefuse = code;
          events.wouldRefuse?.(code);
        };

        if (estimated > cost.maxCost) {
          refuse(
            refusal(`Estimated cost ${estimated} exceeds the maximum of ${cost.maxCost}`, 'COST_ESTIMATED_TOO_EXPENSIVE', 400, {
              cost: { estimated, maximum: cost.maxCost },
            }),
          );
        }
        const { client } = op.context;
        const settle = (taken: boolean, onSettled?: (available: number) => void) =>
          scope.onResponse(async (response) => {
            const result = response.result;
            const actual = actualOf(analysis, result.data, client.key);
            report.actualQueryCost = actual;
            reported.actual = actual;
            events.actual?.(actual);
            if (!taken || !budgets || actual === estimated) return;
            // An answer with errors may hide work the subgraphs did (a null that propagated up discards
            // what was fetched below it): its estimate is kept, never refunded.
            // (A request refused before execution has no `data` at all: nothing ran, all of it comes back.)
            const hidesWork = result.data !== undefined && Boolean(result.errors?.length);
            if (actual < estimated && hidesWork) return;
            // Below the estimate the difference comes back; above it (an assumed size that was wrong), it is charged.
            const after = actual < estimated ? budgets.refund(client.key, estimated - actual, client.plan) : budgets.charge(client.key, actual - estimated, client.plan);
            const available = await after.catch(() => undefined);
            if (available !== undefined) onSettled?.(available);
          });

        if (!budgets || !cost.budgets.enabled) return settle(false);
        const { plan } = client;
        op.context.report.client = client.key;
        if (estimated > plan.capacity) {
          refuse(
            refusal(`Estimated cost ${estimated} exceeds your budget's capacity of ${plan.capacity}`, 'COST_ESTIMATED_TOO_EXPENSIVE', 400, {
              cost: { estimated, maximum: plan.capacity },
            }),
          );
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
          refuse(refusal(`Throttled: this request costs ${estimated}, ${Math.floor(taken.available)} available`, 'THROTTLED', 429, { retryAfterSeconds: wait }, { 'retry-after': String(wait) }));
        }
        settle(taken.allowed, (available) => (report.throttleStatus = status(available)));
    },
  };
}
