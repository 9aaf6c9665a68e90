import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { RequestReport } from '../context.js';
import type { Metrics } from './metrics.js';

/**
 * One log line and the metrics of a GraphQL request, when its response has been sent. Never the
 * token, the signed identity or any header that could hold a secret.
 */
export function observeRequest(
  req: IncomingMessage,
  res: ServerResponse,
  report: RequestReport,
  logger: Logger,
  metrics: Metrics,
  /** Also told of each request once its response is sent (usage per client and plan). */
  recordUsage?: (report: RequestReport, status: number) => void,
): void {
  const started = process.hrtime.bigint();
  res.once('finish', () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    metrics.observeRequest(report, res.statusCode, seconds);
    recordUsage?.(report, res.statusCode);
    logger.info(
      {
        requestId: res.getHeader('x-request-id'),
        method: req.method,
        route: report.route,
        status: res.statusCode,
        durationMs: Math.round(seconds * 1e4) / 10,
        operationName: report.operationName ?? undefined,
        operationType: report.operationType,
        client: report.client,
        cost: report.cost,
        cache: report.cache,
        entry: report.entry,
        errorCodes: report.errorCodes.length ? [...new Set(report.errorCodes)] : undefined,
      },
      'request',
    );
  });
}
