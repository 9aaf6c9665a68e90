import type { ApolloGateway } from '@apollo/gateway';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import type { Logger } from 'pino';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { Operation, OperationResult } from './operation.js';

/** The gateway's fetch, plan, execute and shape of one operation as it runs (its errors not formatted yet). */
export type Execute = (op: Operation) => Promise<{ data?: Record<string, unknown> | null; errors?: readonly unknown[]; extensions?: Record<string, unknown> }>;

/**
 * Runs an operation with @apollo/gateway's executor, the same for every entry point: the document the
 * stages left (`op.runs`), the variables as sent (the executor coerces them itself), the request's
 * context and cache policy (which the data sources restrict with each subgraph's Cache-Control).
 */
export function createExecute(gateway: ApolloGateway, logger: Logger, cache: KeyValueCache): Execute {
  const metrics = {};
  return (op) => {
    const { document, definition, hash } = op.runs;
    const requestContext: GatewayGraphQLRequestContext = {
      request: { query: op.source, operationName: op.name ?? undefined, variables: op.rawVariables as Record<string, unknown> },
      logger,
      schema: op.schema,
      schemaHash: '' as GatewayGraphQLRequestContext['schemaHash'],
      context: op.context,
      cache,
      queryHash: hash,
      document,
      source: op.source,
      operationName: op.name,
      operation: definition,
      metrics,
      overallCachePolicy: op.cachePolicy,
    };
    return gateway.executor(requestContext);
  };
}

export type { OperationResult };
