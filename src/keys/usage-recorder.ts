import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { RequestReport } from '../context.js';
import { utcDate, type UsageCounts, type UsageStore } from './usage.js';

export type UsageRecorder = (report: RequestReport, status: number) => void;

/** What a request counts as: 429 is throttled (budget, rate limit, quota), another 4xx refused. */
export function usageOf(report: RequestReport, status: number): UsageCounts {
  return {
    requests: 1,
    points: report.cost?.actual ?? 0,
    throttled: status === 429 ? 1 : 0,
    refused: status >= 400 && status < 500 && status !== 429 ? 1 : 0,
  };
}

/** Prometheus counters by plan: plans are named in the config, so the labels stay few (never by key). */
function planMetrics(registry: Registry) {
  const registers = [registry];
  return {
    requests: new Counter({
      name: 'portico_plan_requests_total',
      help: 'GraphQL requests by usage plan and outcome (ok, throttled, refused)',
      labelNames: ['plan', 'outcome'],
      registers,
    }),
    points: new Counter({ name: 'portico_plan_points_total', help: 'Cost points spent (actual cost) by usage plan', labelNames: ['plan'], registers }),
    quotaExceeded: new Counter({
      name: 'portico_quota_exceeded_total',
      help: 'Requests refused over their plan quota (429 QUOTA_EXCEEDED) by usage plan',
      labelNames: ['plan'],
      registers,
    }),
  };
}

/**
 * Called once per GraphQL request when its response is sent: counts its usage for its client and UTC
 * day (API keys and token subjects; an address is not a client anyone reads usage for, and would grow
 * the store with every address), and the per-plan metrics. Never fails the request: a store failure is
 * logged once until it recovers.
 */
export function createUsageRecorder(store: UsageStore | undefined, registry: Registry, logger: Logger, now: () => number = Date.now): UsageRecorder {
  const metrics = planMetrics(registry);
  let failing = false;
  return (report, status) => {
    if (!report.plan) return; // refused before any stage ran (a bad body, a bad token): no client known
    const counts = usageOf(report, status);
    const outcome = counts.throttled ? 'throttled' : counts.refused ? 'refused' : 'ok';
    metrics.requests.inc({ plan: report.plan, outcome });
    if (counts.points > 0) metrics.points.inc({ plan: report.plan }, counts.points);
    if (report.errorCodes.includes('QUOTA_EXCEEDED')) metrics.quotaExceeded.inc({ plan: report.plan });
    const client = report.client;
    if (!store || !client || client.startsWith('ip:')) return;
    store.add(client, utcDate(now()), counts).then(
      () => {
        if (failing) logger.info('usage store is back');
        failing = false;
      },
      (error: Error) => {
        if (!failing) logger.error({ err: { message: error.message } }, 'usage store failed; usage is not counted until it answers');
        failing = true;
      },
    );
  };
}
