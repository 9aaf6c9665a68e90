import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import type { DocumentNode } from 'graphql';
import { pino, type Logger } from 'pino';
import {
  createRequestVerifier,
  IDENTITY_HEADER,
  IdentityError,
  SIGNATURE_HEADER,
  type Identity,
} from '../../src/identity/signed-identity.js';
import { createGraphQLHandler, HttpError, sendError } from '../../src/server/graphql-http.js';
import { clientTimeoutOptions, SUBGRAPH_CLIENT_TIMEOUTS } from '../../src/server/timeouts.js';
import { withInheritedEntityHints } from './entity-hints.js';
import { maskUnexpected } from './errors.js';
import { createInvalidations, invalidationPlugin, type Invalidations } from './invalidation.js';
import { assertStorableIdentity, guardResolvers, refusingBadInput } from './input.js';
import { migrate, readMigrations } from './migrations.js';
import { singleUseMutationsPlugin } from './single-use-mutations.js';
import { openDb, type Db, type StorageOptions } from './storage/index.js';

/** What every resolver of a subgraph receives. */
export interface SubgraphContext extends Invalidations {
  /** The caller, as the gateway vouched for it. */
  identity: Identity;
  /** True when the signature carried a nonce (now used up); a mutation without one is refused. */
  singleUseSignature: boolean;
  db: Db;
  logger: Logger;
}

export interface StartSubgraphOptions<TExtra extends object> {
  /** Subgraph name, used in logs, to record migrations, and as the audience signatures must name. */
  name: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<SubgraphContext & TExtra>;
  /** Directory of `NNN_name.sql` migrations applied on start. */
  migrations: URL | string;
  storage: StorageOptions;
  /**
   * Called once with the opened database; returns what builds the rest of each request's context
   * (fresh dataloaders, per-request work such as provisioning). Per-instance state lives in its closure.
   */
  createContext?: (db: Db) => (base: SubgraphContext) => Promise<TExtra> | TExtra;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The gateway's public keys (base64url) the signed identity is verified with; several during a rotation. */
  gatewayKeys: readonly string[];
  /** How old a signed identity may be, in seconds. Default 30. */
  identityMaxAgeSeconds?: number;
  /** Default: a silent logger. */
  logger?: Logger;
  /** Largest request body. Default 1 MiB. */
  maxBodyBytes?: number;
}

export interface RunningSubgraph {
  name: string;
  /** `http://<host>:<port>/graphql` */
  url: string;
  port: number;
  db: Db;
  stop(): Promise<void>;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The hex SHA-256 of a request's body, hashed as it streams in. It listens next to the handler's own
 * reader, which starts reading in the same tick (before any chunk can arrive), so both see every chunk.
 * Hashing stops past `limit` (the handler answers 413 then). A request cut short never resolves to a
 * digest the gateway signed.
 */
function bodyDigest(req: IncomingMessage, limit: number): Promise<string> {
  const hash = createHash('sha256');
  let size = 0;
  let done = false;
  return new Promise((resolve) => {
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) hash.update(chunk);
    });
    req.on('end', () => {
      done = true;
      resolve(size <= limit ? hash.digest('hex') : 'too-large');
    });
    req.on('close', () => {
      if (!done) resolve('incomplete');
    });
  });
}

const isWildcard = (host: string) => host === '0.0.0.0' || host === '::';

function listen(server: ReturnType<typeof createServer>, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Opens the storage, applies pending migrations and serves the subgraph over HTTP:
 * `/graphql` (and `/`) for signed requests from the gateway, `GET /health` for probes.
 */
export async function startSubgraph<TExtra extends object = object>(
  options: StartSubgraphOptions<TExtra>,
): Promise<RunningSubgraph> {
  const { name, host = '127.0.0.1', maxBodyBytes = 1024 * 1024 } = options;
  // This subgraph accepts only signatures that name it (the audience) and match the request itself.
  const verifier = createRequestVerifier(options.gatewayKeys, { audience: name, maxAgeSeconds: options.identityMaxAgeSeconds });
  const logger = (options.logger ?? pino({ level: 'silent' })).child({ subgraph: name });
  const apollo = new ApolloServer<SubgraphContext & TExtra>({
    schema: buildSubgraphSchema({
      typeDefs: options.typeDefs,
      // Arguments and representations are checked before a resolver can take them to the database.
      resolvers: withInheritedEntityHints(guardResolvers(options.resolvers, options.typeDefs), options.typeDefs) as GraphQLResolverMap<unknown>,
    }),
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // runSubgraphMain stops on SIGTERM/SIGINT (storage closed first); Apollo's own handlers would race it.
    stopOnTerminationSignals: false,
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled(), invalidationPlugin(), singleUseMutationsPlugin(logger)],
    logger,
    formatError: maskUnexpected(logger),
  });
  const db = await openDb(options.storage, logger);
  try {
    const applied = await migrate(db, name, await readMigrations(options.migrations));
    if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    await apollo.start();
  } catch (error) {
    await db.close();
    throw error;
  }

  const extend = options.createContext?.(db);
  const digests = new WeakMap<IncomingMessage, Promise<string>>();
  const handle = createGraphQLHandler<SubgraphContext & TExtra>({
    server: apollo,
    maxBodyBytes,
    context: async (req) => {
      let identity: Identity;
      let singleUseSignature: boolean;
      try {
        const bodySha256 = (await digests.get(req)) ?? 'unknown';
        ({ identity, singleUse: singleUseSignature } = verifier.verifyRequest(
          { method: req.method ?? 'GET', path: req.url ?? '/', bodySha256 },
          { identity: header(req, IDENTITY_HEADER), signature: header(req, SIGNATURE_HEADER) },
        ));
      } catch (error) {
        if (!(error instanceof IdentityError)) throw error;
        logger.warn({ reason: error.message }, 'request refused: bad signed identity');
        throw new HttpError(401, 'UNAUTHENTICATED', 'invalid or missing signed identity');
      }
      const base: SubgraphContext = { identity, singleUseSignature, db, logger, ...createInvalidations(name) };
      // Claims the service cannot store refuse the request as bad input (HTTP 200), not as a failure.
      const extra = await refusingBadInput(() => {
        assertStorableIdentity(identity);
        return extend ? extend(base) : ({} as TExtra);
      });
      return { ...base, ...extra };
    },
  });

  const http = createServer(clientTimeoutOptions(SUBGRAPH_CLIENT_TIMEOUTS), (req: IncomingMessage, res: ServerResponse) => {
    const [path, query = ''] = (req.url ?? '/').split('?', 2);
    if (path === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ status: 'ok' }));
    } else if (path === '/graphql' || path === '/') {
      digests.set(req, bodyDigest(req, maxBodyBytes));
      void handle(req, res, query ? `?${query}` : '');
    } else {
      sendError(res, new HttpError(404, 'NOT_FOUND', `no route for ${path}`));
    }
  });
  const port = await listen(http, options.port ?? 0, host).catch(async (error: unknown) => {
    await apollo.stop();
    await db.close();
    throw error;
  });
  const shownHost = isWildcard(host) ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  logger.info({ port, host }, 'subgraph listening');

  return {
    name,
    url: `http://${shownHost}:${port}/graphql`,
    port,
    db,
    async stop() {
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
      await apollo.stop();
      await db.close();
    },
  };
}
