import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { Logger } from 'pino';
import { createAuthenticator } from '../auth/authenticate.js';
import { useAuthorization } from '../auth/authorization.js';
import { useResponseCache } from '../cache/cache-stage.js';
import { createDefaultHints } from '../cache/default-hints.js';
import { ReservedResponseKeysRule } from '../cache/reserved-keys.js';
import { useHttpCacheControl } from '../cache/http-cache-control.js';
import { createPurgeHandler } from '../cache/purge.js';
import type { PorticoConfig } from '../config/index.js';
import type { GatewayContext, RequestReport } from '../context.js';
import { useCost } from '../cost/cost-stage.js';
import { identifyClient } from '../cost/client.js';
import { createCostReportHandler } from '../cost/cost-report.js';
import { createListSizeLearner } from '../cost/list-sizes.js';
import { limitRules } from '../cost/limits.js';
import { useRateLimits } from '../cost/rate-limits.js';
import { createGateway } from '../gateway/create-gateway.js';
import type { SignedSubgraphDataSource } from '../gateway/subgraph-data-source.js';
import { readSupergraph } from '../gateway/supergraph.js';
import { createCallerIdentities } from '../identity/caller-identity.js';
import { answerPrimaryForMetrics } from '../observability/cluster-metrics.js';
import { createMetrics } from '../observability/metrics.js';
import { baseUrl, createMetricsListener } from '../observability/metrics-listener.js';
import { createReportPlugin } from '../observability/plugin.js';
import { observeRequest } from '../observability/request-log.js';
import { createSubgraphHealth } from '../observability/subgraph-health.js';
import { createTracingPlugin, startTracing } from '../observability/tracing.js';
import { createRestApi } from '../rest/index.js';
import type { RouteInput } from '../rest/route-map.js';
import { createStores } from '../stores/index.js';
import { createSubscriptionServer } from '../subscriptions/server.js';
import { useQuotas } from '../keys/quota-stage.js';
import { createUsageHandler } from '../keys/usage-admin.js';
import { createUsageRecorder } from '../keys/usage-recorder.js';
import { createKeysAdminHandler } from '../keys/admin-keys.js';
import { createRequestKeyCheck } from '../keys/request-key.js';
import { createApiKeysFromConfig } from '../keys/store-create.js';
import { createTrustedDocumentCheck, readManifest } from '../security/trusted-documents.js';
import { formatError } from './format-error.js';
import { createGraphQLHandler, readBody } from './graphql-http.js';
import { createApolloAdapter } from './apollo-adapter.js';
import { createDocuments, validationRules } from './documents.js';
import { createExecute } from './execute.js';
import { createHttpEntry } from './http-entry.js';
import { createCors } from './cors.js';
import { createPipeline, type PorticoPlugin } from './pipeline.js';
import { createOperationRunner } from './run-operation.js';
import { clientTimeoutOptions } from './timeouts.js';
import { createReports, createRequestHandler } from './routes.js';

export interface PorticoServer {
  /**
   * Listens on the configured host and port (0 = any free port), and the metrics listener on its own;
   * `metricsUrl` is where `/metrics` is served (undefined when the cluster primary serves it).
   */
  start(): Promise<{ url: string; port: number; metricsUrl?: string }>;
  /** Stops accepting, lets requests in flight finish (within server.shutdownTimeoutMs), closes the stores. */
  stop(): Promise<void>;
  readonly httpServer: Server;
}

export interface ServerOptions {
  /** Clock for the in-memory budgets and rate limits (tests control time with it). */
  now?: () => number;
  /**
   * False in a cluster worker: the primary serves the metrics listener, with every worker's metrics
   * (this one answers it over IPC). Default true.
   */
  metricsListener?: boolean;
}

function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = req.headers['x-forwarded-for'];
  if (trustProxy && typeof forwarded === 'string') return forwarded.split(',')[0].trim();
  return req.socket.remoteAddress ?? 'unknown';
}

/** The one place where Portico's concerns are put together, in the order a request meets them. */
export function createPorticoServer(config: PorticoConfig, logger: Logger, options: ServerOptions = {}): PorticoServer {
  const httpServer = createServer({ keepAliveTimeout: 5000, ...clientTimeoutOptions(config.server) });
  const stopTracing = startTracing(config.tracing);
  const metrics = createMetrics();
  const ownMetricsListener = !config.metrics.onMainPort && options.metricsListener !== false;
  const metricsListener = ownMetricsListener
    ? createMetricsListener({ host: config.metrics.host, port: config.metrics.port, render: () => metrics.registry.metrics(), contentType: metrics.registry.contentType })
    : undefined;
  if (!config.metrics.onMainPort && options.metricsListener === false) answerPrimaryForMetrics(metrics.registry);
  const stores = createStores(config, logger, options);
  const authenticator = createAuthenticator(config.auth);
  // Issued API keys; `apiKeys.verify(presented)` is the check of a request's key.
  const apiKeys = createApiKeysFromConfig(config, stores.apiKeys, { now: options.now });
  const checkKey = createRequestKeyCheck(apiKeys, { header: config.cost.budgets.apiKeyHeader, required: config.apiKeys.required });

  const authorization = useAuthorization(config.authorization, logger.child({ module: 'authorization' }));
  const learner =
    config.cost.enabled && config.cost.learnListSizes.enabled
      ? createListSizeLearner(config.cost.learnListSizes, stores.listSizes, logger.child({ module: 'cost' }), options.now)
      : undefined;
  // Usage plans: quotas (right after the cost stage), RateLimit headers, usage per client and day.
  const quotas = useQuotas({
    cost: config.cost,
    store: stores.quotas,
    now: options.now,
    events: { wouldRefuse: (code) => metrics.costWouldRefuse.inc({ code }) },
  });
  const recordUsage = createUsageRecorder(stores.usage, metrics.registry, logger.child({ module: 'usage' }), options.now);
  const defaultHints = createDefaultHints(config.cache.defaultHints);

  // The order an operation meets Portico's concerns. Response hooks run last registered first: the
  // HTTP Cache-Control hook runs after every other one but the quota headers' (RateLimit headers from
  // what is left of extensions.cost, points settled to actual). Shape limits are validation rules.
  const plugins: PorticoPlugin[] = [
    quotas.headers,
    useHttpCacheControl(config.cost.budgets.apiKeyHeader),
    authorization,
    useRateLimits(stores.rateCounters),
    ...(config.cost.enabled
      ? [
          useCost(config.cost, stores.budgets, learner, {
            wouldRefuse: (code) => metrics.costWouldRefuse.inc({ code }),
            actual: (points) => metrics.actualCost.observe(points),
          }),
        ]
      : []),
    quotas.quota,
    ...(config.cache.enabled
      ? [
          useResponseCache(config.cache, stores.cache, logger.child({ module: 'cache' }), {
            hit: () => metrics.cache.inc({ result: 'hit' }),
            miss: () => metrics.cache.inc({ result: 'miss' }),
            bypass: () => metrics.cache.inc({ result: 'bypass' }),
            evicted: (count) => metrics.cacheEvictions.inc(count),
            storeError: () => metrics.cacheStoreErrors.inc(),
          }),
        ]
      : []),
  ];
  const pipeline = createPipeline(plugins);

  let supergraphLoaded = false;
  const dataSources = new Map<string, SignedSubgraphDataSource>();
  const subgraphHealth = createSubgraphHealth();
  const gateway = createGateway({
    config,
    logger,
    subgraphHealth,
    dataSources,
    validateSupergraph: authorization.validateSupergraph,
    defaultCacheControl: defaultHints.enabled ? (query) => defaultHints.headerFor(query) : undefined,
    onReload: (outcome) => metrics.reloads.inc({ outcome: outcome.ok ? 'ok' : 'refused' }),
    onFetch: (subgraph, seconds, ok) => {
      metrics.subgraphFetches.inc({ subgraph, outcome: ok ? 'ok' : 'error' });
      metrics.subgraphDuration.observe({ subgraph }, seconds);
    },
  });
  const rules = [ReservedResponseKeysRule, ...limitRules(config.limits)];
  const documents = createDocuments({ maxTokens: config.limits.maxTokens, introspection: config.introspection, rules });
  gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
    const supergraph = readSupergraph(coreSupergraphSdl);
    pipeline.useSupergraph(supergraph, apiSchema);
    if (defaultHints.enabled) defaultHints.useSupergraph(supergraph);
    documents.useSchema(apiSchema);
    subscriptions.useSupergraph(coreSupergraphSdl);
    rest?.useSchema(apiSchema);
    supergraphLoaded = true;
  });

  const errorFormatter = formatError(config, logger);
  const runner = createOperationRunner({ pipeline, execute: createExecute(gateway, logger.child({ module: 'gateway' }), stores.persistedQueries, config.gateway.executor), formatError: errorFormatter, documents });
  // Apollo Server keeps persisted queries under `apq:<sha-256>` in the store it is given.
  const persistedQuery = (hash: string) => stores.persistedQueries.get(`apq:${hash}`);
  // Traced requests go through Apollo Server, whose plugin spans the request's phases.
  const httpEntry = stopTracing ? undefined : createHttpEntry({ runner, documents, persistedQuery });

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    // main.ts stops the gateway on SIGTERM/SIGINT; Apollo's own handlers (on outside NODE_ENV=test) left it hanging.
    stopOnTerminationSignals: false,
    introspection: config.introspection,
    hideSchemaDetailsFromClientErrors: config.hideSchemaDetails,
    includeStacktraceInErrorResponses: false,
    parseOptions: { maxTokens: config.limits.maxTokens },
    validationRules: validationRules({ introspection: true, rules }),
    persistedQueries: { cache: stores.persistedQueries },
    formatError: errorFormatter,
    logger: logger.child({ module: 'apollo' }),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      createReportPlugin(),
      ...(stopTracing ? [createTracingPlugin()] : []),
      createApolloAdapter(runner),
      config.sandbox
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })
        : ApolloServerPluginLandingPageDisabled(),
    ],
  });

  const trustedDocuments = config.security.trustedDocuments;
  const checkDocument =
    trustedDocuments === 'off'
      ? undefined
      : createTrustedDocumentCheck({
          mode: trustedDocuments,
          manifest: readManifest(config.security.manifest),
          onUnlisted: ({ mode, by, id }) => logger.warn({ trustedDocuments: mode, by, id }, 'a document not in the trusted documents manifest'),
        });
  const reportOf = createReports();
  const identityOf = createCallerIdentities();
  /** Who is calling, once per request for every entry point: authenticated, their API key verified, their identity and budget client resolved. */
  const createContext = async (req: IncomingMessage): Promise<GatewayContext> => {
    const report: RequestReport = reportOf(req);
    const caller = await authenticator.authenticate(req.headers.authorization);
    const apiKey = await checkKey(req, caller);
    const context = { caller, apiKey, identity: identityOf(caller), requestId: String(req.headers['x-request-id']), clientAddress: clientAddress(req, config.server.trustProxy), report };
    return { ...context, client: identifyClient(context, config.cost.budgets) };
  };

  const graphql = createGraphQLHandler<GatewayContext>({
    server: apollo,
    checkDocument,
    maxBodyBytes: config.server.maxBodyBytes,
    answerFirst: httpEntry,
    onRefused: (req, error) => reportOf(req).errorCodes.push(error.code),
    context: createContext,
  });
  const rest = config.rest.enabled
    ? createRestApi({
        ...config.rest,
        routes: config.rest.routes as RouteInput[] | undefined,
        apiKeyHeader: config.cost.budgets.apiKeyHeader,
        runOperation: runner.runOperation,
        createContext,
        readBody: (req) => readBody(req, config.server.maxBodyBytes),
        onRoute: (req, res, route) => {
          const report = reportOf(req);
          report.route = route;
          observeRequest(req, res, report, logger, metrics, recordUsage);
        },
        onRefused: (req, error) => reportOf(req).errorCodes.push(error.code),
        logger: logger.child({ module: 'rest' }),
      })
    : undefined;

  let accepting = false;
  // Subscriptions: graphql-ws on the same port and path, and multipart HTTP (src/subscriptions).
  const subscriptions = createSubscriptionServer({
    config,
    logger,
    registry: metrics.registry,
    createContext,
    pipeline,
    runner,
    documents,
    dataSources,
    formatError: errorFormatter,
    accepting: () => accepting,
    checkDocument,
  });
  httpServer.on('upgrade', subscriptions.upgrade);
  httpServer.on(
    'request',
    createRequestHandler({
      graphql: subscriptions.withMultipart(graphql),
      purge: createPurgeHandler(stores.cache, authenticator, config.cache.purgeScope),
      costReport: createCostReportHandler(learner, authenticator, config.cost.reportScope, config.cost.defaultListSize),
      usage: createUsageHandler(stores.usage, authenticator, config.usage.adminScope, options.now),
      recordUsage,
      keys: createKeysAdminHandler(apiKeys, authenticator, config.apiKeys.adminScope, logger.child({ module: 'api-keys' })),
      ready: async () => accepting && supergraphLoaded && (await stores.ping()),
      subgraphs: subgraphHealth.handle,
      metrics,
      metricsOnMainPort: config.metrics.onMainPort,
      logger,
      tracing: Boolean(stopTracing),
      cors: createCors(config.server.cors),
      reportOf,
      rest,
    }),
  );

  const server: PorticoServer = {
    httpServer,
    async start() {
      await Promise.all([apollo.start(), stores.connected()]);
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.server.port, config.server.host, () => resolve());
      });
      const { port } = httpServer.address() as AddressInfo;
      const base = baseUrl(config.server.host, port);
      let metricsUrl = config.metrics.onMainPort ? `${base}/metrics` : undefined;
      try {
        if (metricsListener) metricsUrl = await metricsListener.start();
      } catch (error) {
        await server.stop();
        throw error;
      }
      accepting = true;
      return { url: `${base}/graphql`, port, metricsUrl };
    },
    async stop() {
      accepting = false;
      // Sockets closed with 1001 first: their clients reconnect to another replica.
      await subscriptions.close();
      // The drain plugin stops accepting and waits for requests in flight; past the timeout, connections are cut.
      const timer = setTimeout(() => httpServer.closeAllConnections(), config.server.shutdownTimeoutMs);
      await apollo.stop();
      clearTimeout(timer);
      learner?.close();
      await learner?.sync();
      await stores.close();
      await stopTracing?.();
      await metricsListener?.stop();
      if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
  return server;
}
