import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { RequestReport } from '../context.js';
import type { Metrics } from '../observability/metrics.js';
import { observeRequest } from '../observability/request-log.js';
import { withRequestSpan } from '../observability/tracing.js';
import type { createCors } from './cors.js';
import type { RestApi } from '../rest/index.js';
import { sendProblem } from '../rest/problem.js';
import { HttpError, sendError } from './graphql-http.js';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Each request's report (what the log line and metrics say of it), created on first use. */
export function createReports() {
  const reports = new WeakMap<IncomingMessage, RequestReport>();
  return (req: IncomingMessage): RequestReport => {
    let report = reports.get(req);
    if (!report) reports.set(req, (report = { errorCodes: [] }));
    return report;
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

export interface Routes {
  graphql: (req: IncomingMessage, res: ServerResponse, search: string) => Promise<void>;
  purge: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  costReport: (req: IncomingMessage, res: ServerResponse, search: string) => Promise<void>;
  /** `GET /admin/usage` (src/keys/usage-admin.ts). */
  usage?: (req: IncomingMessage, res: ServerResponse, search: string) => Promise<void>;
  /** Counts each GraphQL request's usage once its response is sent. */
  recordUsage?: (report: RequestReport, status: number) => void;
  /** `/admin/keys` and `/admin/keys/<id>[/revoke|/rotate]`. */
  keys: (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void>;
  /** Readiness: a supergraph is loaded and the configured stores answer. */
  ready: () => Promise<boolean>;
  /** `GET /health/subgraphs`: each subgraph's state (src/observability/subgraph-health.ts). */
  subgraphs?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  metrics: Metrics;
  /** Serve `/metrics` here too (`metrics.onMainPort`); by default it has a listener of its own. */
  metricsOnMainPort: boolean;
  logger: Logger;
  /** Wrap each GraphQL request in a trace span. */
  tracing: boolean;
  /** Browser cross-origin access to the GraphQL endpoint. */
  cors: ReturnType<typeof createCors>;
  /** Each request's report (createReports). */
  reportOf: (req: IncomingMessage) => RequestReport;
  /** The REST API under its prefix (src/rest), when `rest.enabled`. */
  rest?: RestApi;
}

/**
 * HTTP routes: GraphQL on `/` and `/graphql`, health probes, the cache purge, metrics only with
 * `metrics.onMainPort` (they name operations: see metrics-listener.ts). Every request
 * gets a request id (the caller's `x-request-id` when well-formed), returned and passed to subgraphs.
 */
export function createRequestHandler(routes: Routes) {
  const { logger, metrics, reportOf } = routes;
  return (req: IncomingMessage, res: ServerResponse): void => {
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    const [path, query = ''] = (req.url ?? '/').split('?', 2);
    const fail = (error: unknown) => {
      logger.error({ err: error, requestId }, 'request failed');
      if (!res.headersSent) sendError(res, new HttpError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error'));
    };
    const { rest } = routes;
    if (rest && (path === rest.prefix || path.startsWith(`${rest.prefix}/`))) {
      if (routes.cors.handle(req, res)) return;
      rest.handle(req, res, path, query).then(
        (handled) => handled || sendProblem(res, { status: 404, code: 'NOT_FOUND', detail: `No route for ${path}` }),
        (error: unknown) => {
          logger.error({ err: error, requestId }, 'request failed');
          if (!res.headersSent) sendProblem(res, { status: 500, code: 'INTERNAL_SERVER_ERROR', detail: 'Internal server error' });
        },
      );
      return;
    }
    if (path === '/admin/keys' || path.startsWith('/admin/keys/')) {
      routes.keys(req, res, path).catch(fail);
      return;
    }
    switch (path) {
      case '/health/live':
        return json(res, 200, { status: 'ok' });
      case '/health/ready':
        routes.ready().then((ok) => json(res, ok ? 200 : 503, { status: ok ? 'ready' : 'not ready' }), fail);
        return;
      case '/health/subgraphs':
        if (!routes.subgraphs) break;
        routes.subgraphs(req, res).catch(fail);
        return;
      case '/metrics':
        if (!routes.metricsOnMainPort) break;
        metrics.registry.metrics().then((text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        }, fail);
        return;
      case '/admin/cache/purge':
        routes.purge(req, res).catch(fail);
        return;
      case '/admin/cost/report':
        routes.costReport(req, res, query).catch(fail);
        return;
      case '/admin/usage':
        if (!routes.usage) break;
        routes.usage(req, res, query).catch(fail);
        return;
      case '/':
      case '/graphql':
        if (routes.cors.handle(req, res)) return;
        observeRequest(req, res, reportOf(req), logger, metrics, routes.recordUsage);
        if (routes.tracing) {
          withRequestSpan(req, async (span) => {
            await routes.graphql(req, res, query ? `?${query}` : '');
            span.setAttributes({ 'http.status_code': res.statusCode, 'portico.request_id': requestId });
          }).catch(fail);
        } else {
          routes.graphql(req, res, query ? `?${query}` : '').catch(fail);
        }
        return;
    }
    json(res, 404, { errors: [{ message: `No route for ${path}`, extensions: { code: 'NOT_FOUND' } }] });
  };
}
