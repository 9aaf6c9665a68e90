import type { IncomingMessage, ServerResponse } from 'node:http';
import { validate, type GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { GatewayContext } from '../context.js';
import type { HttpError } from '../server/graphql-http.js';
import { createDocsPage } from './docs.js';
import { createRestRoutes } from './handler.js';
import { openApiDocument } from './openapi.js';
import type { RunOperation } from '../server/run-operation.js';
import { sendProblem } from './problem.js';
import { loadRestSetup, type RouteInput } from './route-map.js';

export interface RestApiOptions {
  /** Where everything is served (`rest.prefix`, `/api`). */
  prefix: string;
  /** The `.graphql` files and, without `routes`, their `routes.yaml`. */
  operationsDir: string;
  routes?: RouteInput[];
  /** Serve the docs page at `<prefix>/docs`. Default true. */
  docs?: boolean;
  /** The API key header, for the OpenAPI security scheme. */
  apiKeyHeader: string;
  runOperation: RunOperation;
  createContext: (req: IncomingMessage) => Promise<GatewayContext>;
  readBody: (req: IncomingMessage) => Promise<string>;
  /** Called for each request a route answers (request log and metrics), before anything else, with the route. */
  onRoute?: (req: IncomingMessage, res: ServerResponse, route: string) => void;
  /** Told of each request refused before its operation ran. */
  onRefused?: (req: IncomingMessage, error: HttpError) => void;
  logger: Logger;
}

/**
 * The REST API (issue 18): routes over named operations, `<prefix>/openapi.json` generated from
 * them, `<prefix>/docs`. Reads the operations and routes at creation (a problem throws OperationsError);
 * `useSchema` is told of each supergraph the gateway loads.
 */
export function createRestApi(options: RestApiOptions) {
  const { prefix, logger } = options;
  const { routes } = loadRestSetup(options.operationsDir, options.routes);
  let schema: GraphQLSchema | undefined;
  let openapi: string | undefined;
  const handleRoute = createRestRoutes({ ...options, routes, schema: () => schema });
  const docs = options.docs === false ? undefined : createDocsPage(prefix);

  return {
    prefix,
    /** A new API schema: the OpenAPI document follows it; operations it no longer validates are logged. */
    useSchema(next: GraphQLSchema) {
      schema = next;
      openapi = JSON.stringify(openApiDocument(routes, next, { prefix, apiKeyHeader: options.apiKeyHeader }));
      for (const route of routes) {
        const errors = validate(next, route.operation.document);
        if (errors.length) {
          logger.warn({ operation: route.operation.name, file: route.operation.file, problem: errors[0].message }, 'a REST route\'s operation is not valid against the supergraph; it answers 500');
        }
      }
    },
    /** Answers a request under the prefix; false when nothing is served at that path. */
    async handle(req: IncomingMessage, res: ServerResponse, path: string, search: string): Promise<boolean> {
      const method = req.method ?? 'GET';
      if (path === `${prefix}/openapi.json` && (method === 'GET' || method === 'HEAD')) {
        if (!openapi) {
          sendProblem(res, { status: 503, code: 'SERVICE_UNAVAILABLE', detail: 'No supergraph is loaded yet' });
          return true;
        }
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(openapi), 'cache-control': 'no-cache' });
        res.end(method === 'HEAD' ? undefined : openapi);
        return true;
      }
      if (docs && (path === `${prefix}/docs` || path.startsWith(`${prefix}/docs/`))) return docs(res, method, path);
      return handleRoute(req, res, path, search, options.onRoute);
    },
  };
}

export type RestApi = ReturnType<typeof createRestApi>;
