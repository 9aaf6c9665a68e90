import type { Caller } from './auth/caller.js';

/** What every plugin and the subgraph fetcher know about one request. */
export interface GatewayContext {
  caller: Caller;
  /** From the caller's `x-request-id`, or made here; passed on to the subgraphs. */
  requestId: string;
  /** The client's address (from X-Forwarded-For only when server.trustProxy is on). */
  clientAddress: string;
}
