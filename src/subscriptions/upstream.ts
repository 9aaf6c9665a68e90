import { createClient, type Client } from 'graphql-ws';
import { GraphQLError, type FormattedExecutionResult, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import {
  connectionRequest,
  encodeIdentity,
  IDENTITY_HEADER,
  SIGNATURE_HEADER,
  type Identity,
  type RequestSigner,
} from '../identity/signed-identity.js';
import { SUBGRAPH_UNAVAILABLE } from '../gateway/subgraph-data-source.js';

export interface UpstreamOptions {
  signer: RequestSigner;
  /** The subgraph's GraphQL URL (http or https), or undefined when it has none. */
  urlOf(subgraph: string): string | undefined;
  /** Connecting again when a subgraph cannot be reached, for subscriptions whose client is still there. */
  retry: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  logger: Logger;
  /** Upstream connections opened and closed (for the metrics). */
  onConnections?(open: number): void;
}

export interface UpstreamSink {
  next(result: FormattedExecutionResult): void;
  /** The subscription is over: refused by the subgraph, or the subgraph went away (SUBGRAPH_UNAVAILABLE). */
  error(errors: GraphQLFormattedError[]): void;
  complete(): void;
}

interface Connection {
  client: Client;
  connected: boolean;
}

const websocketUrl = (url: string) => url.replace(/^http(s?):/, 'ws$1:');

function unavailable(subgraph: string, problem: unknown): GraphQLFormattedError[] {
  const { code, reason } = (problem ?? {}) as { code?: unknown; reason?: unknown };
  const what =
    typeof code === 'number'
      ? `closed its subscription connection (${code}${reason ? ` ${String(reason)}` : ''})`
      : typeof code === 'string' && /^[A-Z_]+$/.test(code)
        ? `is unreachable (${code})`
        : 'is unreachable';
  return [new GraphQLError(`Subgraph "${subgraph}" ${what}`, { extensions: { code: SUBGRAPH_UNAVAILABLE, serviceName: subgraph } }).toJSON()];
}

const isFormattedErrors = (value: unknown): value is GraphQLFormattedError[] =>
  Array.isArray(value) && value.length > 0 && value.every((e) => typeof (e as { message?: unknown })?.message === 'string');

/**
 * The gateway's graphql-ws connections to subgraphs: one per subgraph and caller identity, shared by
 * that caller's subscriptions (graphql-ws multiplexes them), opened on the first and closed after the
 * last. Each carries the identity in `connection_init`, signed single-use for that subgraph.
 * A subscription whose connection cannot be opened is tried again with backoff while its client
 * waits; one whose subgraph goes away ends with SUBGRAPH_UNAVAILABLE (events may have been missed:
 * its client decides whether to subscribe again).
 */
export function createUpstreams({ signer, urlOf, retry, logger, onConnections }: UpstreamOptions) {
  const connections = new Map<string, Connection>();
  const changed = () => onConnections?.(connections.size);

  function connectionFor(subgraph: string, url: string, identity: Identity): Connection {
    const encoded = encodeIdentity(identity);
    const key = `${subgraph}\n${encoded}`;
    let connection = connections.get(key);
    if (connection) return connection;
    const { pathname } = new URL(url);
    const created: Connection = {
      connected: false,
      client: createClient({
        url: websocketUrl(url),
        webSocketImpl: WebSocket,
        lazy: true,
        lazyCloseTimeout: 0,
        retryAttempts: 0,
        keepAlive: 10_000,
        // A fresh single-use signature for every connection attempt.
        connectionParams: () => ({
          [IDENTITY_HEADER]: encoded,
          [SIGNATURE_HEADER]: signer.sign({ ...connectionRequest(pathname), audience: subgraph, identity: encoded, singleUse: true }),
        }),
        on: {
          connected: () => {
            created.connected = true;
          },
          closed: (event) => {
            if (connections.get(key) !== created) return;
            // Whatever closed it, the next subscription gets a connection of its own.
            connections.delete(key);
            changed();
            if (created.connected) {
              const { code, reason } = event as { code?: number; reason?: string };
              logger.info({ subgraph, code, reason }, 'upstream subscription connection closed');
            }
          },
        },
      }),
    };
    connections.set(key, (connection = created));
    changed();
    return connection;
  }

  return {
    /** Subscribes `identity` to `request` on `subgraph`; returns the unsubscribe function. */
    subscribe(subgraph: string, identity: Identity, request: { query: string; variables?: Record<string, unknown>; operationName?: string }, sink: UpstreamSink): () => void {
      const url = urlOf(subgraph);
      if (!url) {
        sink.error(unavailable(subgraph, undefined));
        return () => {};
      }
      let cancelled = false;
      let attempt = 0;
      let timer: NodeJS.Timeout | undefined;
      let stop = () => {};
      const run = () => {
        const connection = connectionFor(subgraph, url, identity);
        let received = false;
        stop = connection.client.subscribe<Record<string, unknown>>(request, {
          next: (result) => {
            received = true;
            sink.next(result as FormattedExecutionResult);
          },
          error: (problem) => {
            if (cancelled) return;
            // The subgraph refused the operation itself (its `error` message): passed on as it said it.
            if (isFormattedErrors(problem)) return sink.error(problem);
            if (!received && !connection.connected && attempt < retry.attempts) {
              attempt += 1;
              const delay = Math.min(retry.baseDelayMs * 2 ** (attempt - 1), retry.maxDelayMs);
              timer = setTimeout(run, delay * (0.5 + Math.random() / 2));
              return;
            }
            logger.warn({ subgraph, attempts: attempt + 1 }, 'subscription ended: subgraph unavailable');
            sink.error(unavailable(subgraph, problem));
          },
          complete: () => {
            if (!cancelled) sink.complete();
          },
        });
      };
      run();
      return () => {
        cancelled = true;
        clearTimeout(timer);
        stop();
      };
    },
    get size() {
      return connections.size;
    },
    async close(): Promise<void> {
      const open = [...connections.values()];
      connections.clear();
      changed();
      await Promise.all(open.map((c) => c.client.dispose()));
    },
  };
}

export type Upstreams = ReturnType<typeof createUpstreams>;
