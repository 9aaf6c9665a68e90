import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestReport } from '../context.js';

/** Distinct operation names kept as label values; the rest count as "other", so series stay bounded. */
const OPERATION_LABELS = 200;

export type Metrics = ReturnType<typeof createMetrics>;

/** Portico's Prometheus metrics, in a registry of their own (served at /metrics). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'portico_' });
  const registers = [registry];
  const seenOperations = new Set<string>();

  const requests = new Counter({
    name: 'portico_requests_total',
    help: 'GraphQL requests by operation name, operation type and outcome (ok, error, refused)',
    labelNames: ['operation', 'type', 'outcome'],
    registers,
  });
  const duration = new Histogram({
    name: 'portico_request_duration_seconds',
    help: 'Time from request to response',
    labelNames: ['type'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const errors = new Counter({ name: 'portico_errors_total', help: 'Errors in responses by extensions.code', labelNames: ['code'], registers });
  const subgraphFetches = new Counter({
    name: 'portico_subgraph_fetches_total',
    help: 'Fetches from subgraphs by outcome (ok, error)',
    labelNames: ['subgraph', 'outcome'],
    registers,
  });
  const subgraphDuration = new Histogram({
    name: 'portico_subgraph_fetch_duration_seconds',
    help: 'Duration of subgraph fetches',
    labelNames: ['subgraph'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const cache = new Counter({ name: 'portico_cache_total', help: 'Response cache lookups: hit, miss, bypass', labelNames: ['result'], registers });
  const cacheEvictions = new Counter({ name: 'portico_cache_evictions_total', help: 'Cached responses evicted by mutations and purges', registers });
  const cacheStoreErrors = new Counter({ name: 'portico_cache_store_errors_total', help: 'Cache store failures (served uncached)', registers });
  const throttled = new Counter({ name: 'portico_throttled_total', help: 'Requests refused for budget or rate limit (429)', registers });
  const costRejected = new Counter({ name: 'portico_cost_rejected_total', help: 'Requests refused for an estimate above the ceiling', registers });
  const estimatedCost = new Histogram({
    name: 'portico_estimated_cost',
    help: 'Estimated cost of operations',
    buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
    registers,
  });
  const costWouldRefuse = new Counter({
    name: 'portico_cost_would_refuse_total',
    help: 'Requests cost.mode "measure" let through that "enforce" would have refused, by code',
    labelNames: ['code'],
    registers,
  });
  const actualCost = new Histogram({
    name: 'portico_actual_cost',
    help: 'Actual cost of answered operations (the real list lengths)',
    buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
    registers,
  });
  const authenticationFailures = new Counter({ name: 'portico_authentication_failures_total', help: 'Requests refused for a bad token (401)', registers });
  const authorizationDenials = new Counter({ name: 'portico_authorization_denials_total', help: 'Selections removed or requests refused by authorization', registers });
  const reloads = new Counter({ name: 'portico_supergraph_reloads_total', help: 'Supergraph reloads by outcome', labelNames: ['outcome'], registers });

  const operationLabel = (name: string | null | undefined) => {
    if (!name) return 'anonymous';
    if (seenOperations.has(name)) return name;
    if (seenOperations.size >= OPERATION_LABELS) return 'other';
    seenOperations.add(name);
    return name;
  };

  return {
    registry,
    subgraphFetches,
    subgraphDuration,
    cache,
    cacheEvictions,
    cacheStoreErrors,
    reloads,
    authenticationFailures,
    costWouldRefuse,
    actualCost,
    /** Called once per GraphQL request when its response is sent. */
    observeRequest(report: RequestReport, status: number, seconds: number) {
      const type = report.operationType ?? 'unknown';
      const outcome = status >= 400 ? 'refused' : report.errorCodes.length ? 'error' : 'ok';
      requests.inc({ operation: operationLabel(report.operationName), type, outcome });
      duration.observe({ type }, seconds);
      for (const code of new Set(report.errorCodes)) {
        errors.inc({ code });
        if (code === 'THROTTLED') throttled.inc();
        if (code === 'COST_ESTIMATED_TOO_EXPENSIVE') costRejected.inc();
        if (code === 'UNAUTHORIZED_FIELD_OR_TYPE') authorizationDenials.inc();
        if (code === 'UNAUTHENTICATED' && status === 401) authenticationFailures.inc();
      }
      if (report.cost) estimatedCost.observe(report.cost.estimated);
    },
  };
}
