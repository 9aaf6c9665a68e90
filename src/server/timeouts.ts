import type { ServerOptions } from 'node:http';

export interface ClientTimeouts {
  /** Time a client has to send a request's headers, in ms. */
  headersTimeoutMs: number;
  /** Time a client has to send a whole request (headers and body), in ms; then 408 and the connection is closed. */
  requestTimeoutMs: number;
}

/** What a subgraph server gives its clients (the gateway sends whole requests at once). */
export const SUBGRAPH_CLIENT_TIMEOUTS: ClientTimeouts = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 };

/**
 * node:http options that cut slow clients (a body sent a byte every few seconds would otherwise hold a
 * connection for Node's default 300 s). Node only looks for expired requests every
 * `connectionsCheckingInterval` (default 30 s), so that is set to a quarter of the shorter timeout:
 * a request is cut at most 25 % after its time is up. Time spent answering is not bounded here.
 */
export function clientTimeoutOptions({ headersTimeoutMs, requestTimeoutMs }: ClientTimeouts): ServerOptions {
  const shortest = Math.min(headersTimeoutMs, requestTimeoutMs);
  return {
    headersTimeout: headersTimeoutMs,
    requestTimeout: requestTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(shortest / 4))),
  };
}
