import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MetricsListenerOptions {
  host: string;
  port: number;
  /** The Prometheus text to answer a scrape with. */
  render(): Promise<string>;
  contentType: string;
}

export interface MetricsListener {
  /** Listens (port 0 = any free port) and resolves with the URL a scraper should use. */
  start(): Promise<string>;
  stop(): Promise<void>;
}

/** The metrics listener could not listen (address in use, not allowed): the operator's to fix. */
export class MetricsListenError extends Error {}

/** `http://host:port`, with an IPv6 host in brackets. */
export function baseUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * `GET /metrics` on an HTTP listener of its own, apart from the GraphQL port, so that operation names
 * and the rest of the metrics are not served to whoever reaches the gateway.
 */
export function createMetricsListener(options: MetricsListenerOptions): MetricsListener {
  // A scrape is one small GET: a client slower than this is cut (see server.headersTimeoutMs for the main port).
  const server = createServer({ keepAliveTimeout: 5000, headersTimeout: 10_000, requestTimeout: 10_000 }, (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== '/metrics') {
      return json(res, 404, { errors: [{ message: `No route for ${path}`, extensions: { code: 'NOT_FOUND' } }] });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return json(res, 405, { errors: [{ message: 'Only GET serves /metrics', extensions: { code: 'METHOD_NOT_ALLOWED' } }] }, { allow: 'GET, HEAD' });
    }
    options.render().then(
      (text) => {
        res.writeHead(200, { 'content-type': options.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      () => json(res, 500, { errors: [{ message: 'Metrics could not be collected', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }),
    );
  });
  return {
    async start() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', (error: NodeJS.ErrnoException) =>
          reject(new MetricsListenError(`metrics listener on ${baseUrl(options.host, options.port)} could not start (${error.code ?? error.message}); set metrics.port (PORTICO_METRICS_PORT)`)),
        );
        server.listen(options.port, options.host, () => resolve());
      });
      return `${baseUrl(options.host, (server.address() as AddressInfo).port)}/metrics`;
    },
    async stop() {
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A scraper keeps its connection open between scrapes: nothing is in flight on an idle one.
      server.closeIdleConnections();
      await closed;
    },
  };
}
