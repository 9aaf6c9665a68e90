import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { Logger } from 'pino';
import { createAuthenticator } from '../auth/authenticate.js';
import { createAuthorization } from '../auth/authorization.js';
import type { PorticoConfig } from '../config/index.js';
import type { GatewayContext } from '../context.js';
import { createMemoryBudgets } from '../cost/budgets-memory.js';
import { withFailover } from '../cost/budgets-failover.js';
import { createRedisBudgets } from '../cost/budgets-redis.js';
import { createCostControl } from '../cost/cost-stage.js';
import { createLimitsStage } from '../cost/limits.js';
import { createMemoryCounters, createRedisCounters, withLocalFallback } from '../cost/rate-counters.js';
import { createRateLimits } from '../cost/rate-limits.js';
import { createApqStore } from '../cache/apq-store.js';
import { createResponseCache, type CacheEvents } from '../cache/cache-stage.js';
import { createPurgeHandler } from '../cache/purge.js';
import { createMemoryCacheStore } from '../cache/store-memory.js';
import { createRedisCacheStore } from '../cache/store-redis.js';
import { createGateway } from '../gateway/create-gateway.js';
import { createRedisClient } from '../stores/redis.js';
import { formatError } from './format-error.js';
import { createPipelinePlugin } from './pipeline.js';
import { createGraphQLHandler, HttpError, sendError } from './graphql-http.js';

export interface PorticoServer {
  /** Listens on the configured host and port (0 = any free port). */
  start(): Promise<{ url: string; port: number }>;
  stop(): Promise<void>;
  readonly httpServer: Server;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = req.headers['x-forwarded-for'];
  if (trustProxy && typeof forwarded === 'string') return forwarded.split(',')[0].trim();
  return req.socket.remoteAddress ?? 'unknown';
}

/** The one place where Portico's concerns are put together, in the order a request meets them. */
export interface ServerOptions {
  /** Clock for the in-memory budgets (tests control time with it). */
  now?: () => number;
}

export function createPorticoServer(config: PorticoConfig, logger: Logger, options: ServerOptions = {}): PorticoServer {
  const httpServer = createServer();
  const authenticator = createAuthenticator(config.auth);
  const cacheEvents: CacheEvents = { hit() {}, miss() {}, bypass() {}, evicted() {}, storeError() {} };
  const redis = config.redisUrl ? createRedisClient(config.redisUrl, logger.child({ module: 'redis' })) : undefined;
  const budgets = redis
    ? withFailover(createRedisBudgets(redis, config.redisPrefix), config.cost.budgets.onStoreError, logger.child({ module: 'budgets' }))
    : createMemoryBudgets({ now: options.now });
  const authorization = createAuthorization(config.authorization, logger.child({ module: 'authorization' }));
  const cost = config.cost.enabled ? createCostControl(config.cost, budgets) : undefined;
  const rateLimits = createRateLimits(
    config.cost.budgets,
    redis ? withLocalFallback(createRedisCounters(redis, config.redisPrefix)) : createMemoryCounters({ now: options.now }),
  );
  const gateway = createGateway({ config, logger, validateSupergraph: authorization.validateSupergraph });
  gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => {
    authorization.useSupergraph(coreSupergraphSdl);
    cost?.useSupergraph(coreSupergraphSdl);
    rateLimits.useSupergraph(coreSupergraphSdl);
    cache?.useSupergraph(coreSupergraphSdl);
  });
  const cacheStore = redis ? createRedisCacheStore(redis, config.redisPrefix) : createMemoryCacheStore({ maxEntries: config.cache.maxEntries });
  const cache = config.cache.enabled
    ? createResponseCache(config.cache, cacheStore, logger.child({ module: 'cache' }), cacheEvents)
    : undefined;
  // The order a request meets Portico's concerns: shape limits, authorization, rate limits, cost, cache.
  const stages = [
    createLimitsStage(config.limits),
    authorization.stage,
    rateLimits.stage,
    ...(cost ? [cost.stage] : []),
    ...(cache ? [cache.stage] : []),
  ];
  const purge = createPurgeHandler(cacheStore, authenticator, config.cache.purgeScope);
  let ready = false;

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    parseOptions: { maxTokens: config.limits.maxTokens },
    persistedQueries: { cache: createApqStore(redis, config.redisPrefix, config.cache.maxEntries) },
    formatError: formatError(config, logger),
    logger: logger.child({ module: 'apollo' }),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      createPipelinePlugin(stages),
      config.sandbox
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })
        : ApolloServerPluginLandingPageDisabled(),
    ],
  });

  const graphql = createGraphQLHandler<GatewayContext>({
    server: apollo,
    maxBodyBytes: config.server.maxBodyBytes,
    context: async (req) => ({
      caller: await authenticator.authenticate(req.headers.authorization),
      requestId: (req as IncomingMessage & { id: string }).id,
      clientAddress: clientAddress(req, config.server.trustProxy),
    }),
  });

  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    (req as IncomingMessage & { id: string }).id = requestId;
    res.setHeader('x-request-id', requestId);
    const [path, query = ''] = (req.url ?? '/').split('?', 2);
    const search = query ? `?${query}` : '';
    if (path === '/health/live') return json(res, 200, { status: 'ok' });
    if (path === '/health/ready') return json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'starting' });
    if (path === '/admin/cache/purge') {
      purge(req, res).catch((error) => logger.error({ err: error }, 'purge failed'));
      return;
    }
    if (path === '/' || path === '/graphql') {
      graphql(req, res, search).catch((error) => {
        logger.error({ err: error }, 'request failed');
        if (!res.headersSent) sendError(res, new HttpError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error'));
      });
      return;
    }
    json(res, 404, { errors: [{ message: `No route for ${path}`, extensions: { code: 'NOT_FOUND' } }] });
  });

  return {
    httpServer,
    async start() {
      await apollo.start();
      ready = true;
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.server.port, config.server.host, () => resolve());
      });
      const { port } = httpServer.address() as AddressInfo;
      const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
      return { url: `http://${host}:${port}/graphql`, port };
    },
    async stop() {
      ready = false;
      await apollo.stop();
      if (redis?.isOpen) await redis.close();
      if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}
