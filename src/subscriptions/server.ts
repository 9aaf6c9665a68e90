import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { GraphQLDataSource } from '@apollo/gateway';
import {
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { PorticoConfig } from '../config/index.js';
import type { GatewayContext } from '../context.js';
import { identifyClient } from '../cost/client.js';
import { createRequestSigner } from '../identity/signed-identity.js';
import { HttpError } from '../server/graphql-http.js';
import type { Documents } from '../server/documents.js';
import type { DocumentFields, TrustedDocumentCheck } from '../security/trusted-documents.js';
import type { Entry } from '../server/operation.js';
import type { Pipeline } from '../server/pipeline.js';
import type { OperationRunner } from '../server/run-operation.js';
import { createAdmission, Refused } from './admission.js';
import { createMultipartHandler, wantsMultipartSubscription } from './multipart.js';
import { createSubscriptionMetrics } from './metrics.js';
import { createSubscriptionPlanner } from './plan.js';
import { serveGraphQLWs } from './serve-ws.js';
import { createStream, endingError, EXPIRED, type Stream } from './stream.js';
import { createUpstreams } from './upstream.js';

export interface SubscriptionServerOptions {
  config: PorticoConfig;
  logger: Logger;
  registry: Registry;
  /** Who is calling, from a request's headers, as for HTTP (throws HttpError: 401, 503). */
  createContext(req: IncomingMessage): Promise<GatewayContext>;
  /** The one pipeline, its runner and the documents it validates (see admission.ts). */
  pipeline: Pipeline;
  runner: OperationRunner;
  documents: Documents;
  /** The gateway's data sources by subgraph name, as it builds them (the entity fetches of events go through them). */
  dataSources: ReadonlyMap<string, GraphQLDataSource & { url?: string }>;
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  /** False while the server does not take new work (starting, stopping). */
  accepting(): boolean;
  /** Trusted documents (src/security/trusted-documents.ts), as for GraphQL over HTTP: before anything parses. */
  checkDocument?: (fields: DocumentFields | undefined) => TrustedDocumentCheck;
}

/** One client WebSocket, once its connection_init was accepted. */
interface Connection {
  id: string;
  /** Caller, API key, address: shared by its subscriptions' contexts. */
  base: GatewayContext;
  clientKey: string;
  /** Subscriptions counted against the limits: running, or being started (admission is asynchronous). */
  open: number;
  streams: Set<Stream>;
  expiresAt?: number;
  expiryTimer?: NodeJS.Timeout;
  expired: boolean;
  close(code: number, reason: string): void;
}

const GRAPHQL_PATHS = new Set(['/', '/graphql']);
// Longest a timer may wait (setTimeout's limit); a later expiry is checked again then.
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/** The handshake request with what connection_init's payload says in place of its headers. */
function requestWith(request: IncomingMessage, params: Record<string, unknown>, apiKeyHeader: string): IncomingMessage {
  const headers: Record<string, string | string[] | undefined> = { ...request.headers };
  const given = (name: string) => {
    const value = params[name] ?? params[name.toLowerCase()] ?? params[name.replace(/^./, (c) => c.toUpperCase())];
    return typeof value === 'string' ? value : undefined;
  };
  const authorization = given('authorization');
  if (authorization !== undefined) headers.authorization = authorization;
  const key = given(apiKeyHeader);
  if (key !== undefined) headers[apiKeyHeader] = key;
  return Object.assign(Object.create(request) as IncomingMessage, { headers });
}

/** A formatted error as graphql-ws sends it (it calls `toJSON` on each). */
const asGraphQLError = (error: GraphQLFormattedError): GraphQLError =>
  new GraphQLError(error.message, { path: error.path, extensions: error.extensions as Record<string, unknown> | undefined });

const lowerCase = (headers: IncomingMessage['headers']): ReadonlyMap<string, string> =>
  new Map(Object.entries(headers).flatMap(([name, value]) => (typeof value === 'string' ? [[name.toLowerCase(), value] as const] : [])));

/**
 * Subscriptions over WebSocket (graphql-ws's `graphql-transport-ws`), on the GraphQL path of the HTTP
 * server. The token comes in connection_init's payload (`{ authorization: "Bearer …" }`; an API key
 * under its header's name): a bad one closes the socket with 4401 (4403 for an API key), with the
 * reason. Each subscription goes through the pipeline's stages when it starts, is planned by
 * federation (the field from its subgraph, the rest as entity fetches per event), and each event is
 * filtered by what authorization removed. A token that expires ends its subscriptions (UNAUTHENTICATED)
 * and closes the socket with 4401.
 */
export function createSubscriptionServer(options: SubscriptionServerOptions) {
  const { config, createContext, dataSources } = options;
  const settings = config.subscriptions;
  const logger = options.logger.child({ module: 'subscriptions' });
  const metrics = createSubscriptionMetrics(options.registry);
  const { documents } = options;
  const admit = createAdmission(options);
  const planner = createSubscriptionPlanner(dataSources);
  const upstreams = createUpstreams({
    signer: createRequestSigner(config.subgraphSecret),
    urlOf: (name) => dataSources.get(name)?.url,
    retry: { attempts: settings.upstreamRetries, baseDelayMs: settings.upstreamRetryBaseDelayMs, maxDelayMs: settings.upstreamRetryMaxDelayMs },
    logger,
    onConnections: (open) => metrics.upstreamConnections.set(open),
  });
  const connections = new WeakMap<object, Connection>();
  const perClient = new Map<string, number>();
  const formatError = (formatted: GraphQLFormattedError) => options.formatError(formatted, formatted);

  const count = (clientKey: string, change: 1 | -1) => {
    const next = (perClient.get(clientKey) ?? 0) + change;
    if (next <= 0) perClient.delete(clientKey);
    else perClient.set(clientKey, next);
  };

  function expire(connection: Connection): void {
    if (connection.expired) return;
    connection.expired = true;
    // With subscriptions, the socket is closed once graphql-ws has sent the last one's error (onComplete).
    if (connection.streams.size === 0) return connection.close(4401, 'Token has expired');
    for (const stream of [...connection.streams]) stream.end('expired', EXPIRED());
  }

  function watchExpiry(connection: Connection): void {
    if (connection.expiresAt === undefined) return;
    const wait = connection.expiresAt - Date.now();
    if (wait <= 0) return expire(connection);
    connection.expiryTimer = setTimeout(() => watchExpiry(connection), Math.min(wait, LONGEST_TIMER_MS));
  }

  /** A client that does not read: its socket is closed, what waited for it is dropped. */
  function checkBacklog(connection: Connection): void {
    let waiting = 0;
    for (const stream of connection.streams) waiting += stream.size;
    if (waiting <= settings.maxQueuedEvents) return;
    metrics.dropped.inc({ reason: 'slow_consumer' }, waiting);
    logger.warn({ connection: connection.id, client: connection.clientKey, waiting }, 'slow subscription consumer: socket closed');
    for (const stream of connection.streams) stream.end('slow_consumer');
    connection.close(1008, `Slow consumer: more than ${settings.maxQueuedEvents} events waiting`);
  }

  /** A caller's connection (a WebSocket, or one multipart HTTP response): counted, its expiry watched. */
  function openConnection(id: string, base: GatewayContext, close: Connection['close']): Connection {
    const exp = base.caller.claims.exp;
    const connection: Connection = {
      id,
      base,
      clientKey: identifyClient(base, config.cost.budgets).key,
      open: 0,
      streams: new Set(),
      expired: false,
      expiresAt: typeof exp === 'number' ? (exp + config.auth.clockToleranceSeconds) * 1000 : undefined,
      close,
    };
    metrics.connections.inc();
    watchExpiry(connection);
    return connection;
  }

  function closeConnection(connection: Connection): void {
    clearTimeout(connection.expiryTimer);
    metrics.connections.dec();
  }

  /**
   * One subscribe, whatever the transport: limits, parsing, validation, the stages, the plan. Its
   * errors (refused), or the stream to send from once `start()`ed.
   */
  async function startSubscription(
    connection: Connection,
    id: string,
    sent: { query?: unknown; operationName?: string | null; variables?: Record<string, unknown> | null; extensions?: unknown; documentId?: unknown },
    headers: IncomingMessage['headers'],
    entry: Entry = 'websocket',
  ): Promise<GraphQLError[] | { stream: Stream; document: DocumentNode }> {
    // Trusted documents hold for subscriptions too, over both protocols (a document sent by id runs the manifest's text).
    const trusted = options.checkDocument?.(sent) ?? {};
    if ('refusal' in trusted) {
      metrics.started.inc({ outcome: 'refused' });
      return [endingError(trusted.refusal.message, trusted.refusal.code)];
    }
    const payload = trusted.query !== undefined ? { ...sent, query: trusted.query } : sent;
    let reserved = false;
    const release = () => {
      if (!reserved) return;
      reserved = false;
      connection.open -= 1;
      count(connection.clientKey, -1);
    };
    const refuse = (...errors: GraphQLError[]) => {
      release();
      metrics.started.inc({ outcome: 'refused' });
      logger.info({ subscription: `${connection.id}:${id}`, client: connection.clientKey, code: errors[0].extensions.code }, 'subscription refused');
      return errors;
    };
    if (connection.expired || (connection.expiresAt !== undefined && Date.now() >= connection.expiresAt)) {
      expire(connection);
      return refuse(EXPIRED());
    }
    if (connection.open >= settings.maxPerConnection) {
      return refuse(endingError(`At most ${settings.maxPerConnection} subscriptions per connection`, 'TOO_MANY_SUBSCRIPTIONS', { limit: settings.maxPerConnection }));
    }
    if ((perClient.get(connection.clientKey) ?? 0) >= settings.maxPerClient) {
      return refuse(endingError(`At most ${settings.maxPerClient} subscriptions per client`, 'TOO_MANY_SUBSCRIPTIONS', { limit: settings.maxPerClient }));
    }
    // Counted from here, so that subscribes arriving together cannot all pass the limits.
    reserved = true;
    connection.open += 1;
    count(connection.clientKey, 1);
    if (typeof payload.query !== 'string') return refuse(endingError('A subscription needs a query', 'BAD_REQUEST'));
    const subscription = `${connection.id}:${id}`;
    const context: GatewayContext = { ...connection.base, requestId: subscription, report: { errorCodes: [] } };
    let stream: Stream;
    try {
      const admitted = await admit({ entry, query: payload.query, operationName: payload.operationName, variables: payload.variables, headers: lowerCase(headers), context });
      const { operationName } = admitted;
      const plan = planner.plan(`${admitted.queryHash}:${operationName ?? ''}`, admitted.document, operationName);
      if (!plan) {
        // Authorization removed every field: its errors say why (UNAUTHORIZED_FIELD_OR_TYPE per path).
        const { errors = [] } = await admitted.filter({ data: {} });
        return refuse(...(errors.length ? errors.map(asGraphQLError) : [endingError('The operation has nothing to subscribe to', 'BAD_REQUEST')]));
      }
      const started = Date.now();
      stream = createStream({
        plan,
        admitted,
        schema: documents.schema!,
        context,
        planner,
        upstreams,
        formatError,
        expired: () => connection.expired || (connection.expiresAt !== undefined && Date.now() >= connection.expiresAt),
        queued: () => checkBacklog(connection),
        ended: (reason, events) => {
          connection.streams.delete(stream);
          release();
          metrics.active.dec();
          logger.info({ subscription, operationName, client: connection.clientKey, events, durationMs: Date.now() - started, reason }, 'subscription ended');
        },
      });
      connection.streams.add(stream);
      metrics.active.inc();
      metrics.started.inc({ outcome: 'ok' });
      logger.info({ subscription, operationName, client: connection.clientKey, subgraph: plan.primary.serviceName }, 'subscription started');
      return { stream, document: admitted.document };
    } catch (error) {
      if (error instanceof Refused) return refuse(...error.errors.map(asGraphQLError));
      logger.error({ err: error }, 'subscription failed to start');
      return refuse(endingError('Internal server error', 'INTERNAL_SERVER_ERROR'));
    }
  }

  const server = serveGraphQLWs<{ connectionId: string }>(
    {
      connectionInitWaitTimeout: settings.connectionInitTimeoutMs,
      async onConnect(ctx) {
        const { socket, request } = ctx.extra;
        let base: GatewayContext;
        try {
          base = await createContext(requestWith(request, ctx.connectionParams ?? {}, config.cost.budgets.apiKeyHeader));
        } catch (error) {
          if (!(error instanceof HttpError)) throw error;
          // 4401: no valid caller (a bad or expired token, a required key missing); 4403: a key refused.
          const code = error.status === 503 ? 1013 : error.code === 'INVALID_API_KEY' ? 4403 : 4401;
          logger.info({ code, reason: error.message }, 'subscription connection refused');
          socket.close(code, error.message);
          return false;
        }
        const connection = openConnection(ctx.extra.connectionId, base, (code, reason) => {
          if (socket.readyState === socket.OPEN) socket.close(code, reason);
        });
        connections.set(ctx, connection);
        return true;
      },
      async onSubscribe(ctx, id, payload) {
        const started = await startSubscription(connections.get(ctx)!, id, payload, ctx.extra.request.headers);
        if (Array.isArray(started)) return started;
        return { schema: documents.schema!, document: started.document, operationName: payload.operationName, variableValues: payload.variables, contextValue: { stream: started.stream } };
      },
      // Events are results already formatted (plain errors): onNext hands them to graphql-ws as they are.
      subscribe: (args) => (args.contextValue as { stream: Stream }).stream.start() as unknown as AsyncGenerator<ExecutionResult>,
      onNext(_ctx, _id, _payload, _args, result) {
        metrics.delivered.inc();
        return result as unknown as FormattedExecutionResult;
      },
      onComplete(ctx) {
        const connection = connections.get(ctx);
        if (connection?.expired && connection.streams.size === 0) connection.close(4401, 'Token has expired');
      },
      onClose(ctx) {
        const connection = connections.get(ctx);
        if (connection) closeConnection(connection);
      },
    },
    {
      keepAliveMs: settings.keepAliveMs,
      maxPayload: config.server.maxBodyBytes,
      onError: (error, where) => logger.error({ err: error, where }, 'subscription socket error'),
    },
    () => ({ connectionId: randomUUID() }),
  );

  const multipart = createMultipartHandler({ maxBodyBytes: config.server.maxBodyBytes, createContext, openConnection, closeConnection, startSubscription });

  return {
    /**
     * The GraphQL HTTP handler, with multipart subscriptions (`Accept: multipart/mixed;subscriptionSpec="1.0"`,
     * as Apollo Client sends them) answered here and everything else by `handler`.
     */
    withMultipart<A extends unknown[]>(handler: (req: IncomingMessage, res: ServerResponse, ...rest: A) => Promise<void>) {
      return (req: IncomingMessage, res: ServerResponse, ...rest: A): Promise<void> =>
        settings.enabled && wantsMultipartSubscription(req) ? multipart.handle(req, res) : handler(req, res, ...rest);
    },
    /** Called with each supergraph that goes live. */
    useSupergraph(supergraphSdl: string): void {
      planner.useSupergraph(supergraphSdl);
    },
    /** The `upgrade` listener of the HTTP server: WebSockets on the GraphQL path, nothing elsewhere. */
    upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
      const path = (request.url ?? '/').split('?', 1)[0];
      const refuse = (status: string) => socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      if (!GRAPHQL_PATHS.has(path)) return void refuse('404 Not Found');
      if (!settings.enabled) return void refuse('404 Not Found');
      if (!options.accepting()) return void refuse('503 Service Unavailable');
      server.handleUpgrade(request, socket, head);
    },
    /** Closes every client socket with 1001 (clients reconnect elsewhere), then the upstream connections. */
    async close(): Promise<void> {
      multipart.close();
      await server.close(1001, 'Server shutting down');
      await upstreams.close();
    },
  };
}

export type SubscriptionServer = ReturnType<typeof createSubscriptionServer>;
