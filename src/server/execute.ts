import type { ApolloGateway } from '@apollo/gateway';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import type { Logger } from 'pino';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import { createPlanExecutor } from '../gateway/plan-executor/index.js';
import type { Operation, OperationResult } from './operation.js';

/** The gateway's fetch, plan, execute and shape of one operation as it runs (its errors not formatted yet). */
export type Execute = (op: Operation) => Promise<{ data?: Record<string, unknown> | null; errors?: readonly unknown[]; extensions?: Record<string, unknown> }>;

/** Which executor runs the gateway's query plans (`gateway.executor`). */
export type ExecutorChoice = 'portico' | 'apollo';

/**
 * Runs an operation, the same for every entry point: the document the stages left (`op.runs`), the
 * variables as sent, the request's context and cache policy (which the data sources restrict with
 * each subgraph's Cache-Control). `apollo`: @apollo/gateway's executor. `portico`: Portico's
 * executor of the same plans (src/gateway/plan-executor/), which leaves to @apollo/gateway's what it
 * does not run (@defer, subscriptions, introspection, @fromContext).
 */
export function createExecute(gateway: ApolloGateway, logger: Logger, cache: KeyValueCache, executor: ExecutorChoice = 'portico'): Execute {
  const requestContext = (op: Operation): GatewayGraphQLRequestContext => {
    const { document, definition, hash } = op.runs;
    return {
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
      // Per request: the gateway writes into it (error paths of subgraph errors).
      metrics: {},
      overallCachePolicy: op.cachePolicy,
    };
  };
  const apollo: Execute = (op) => gateway.executor(requestContext(op));
  if (executor === 'apollo') return apollo;
  return createPlanExecutor({ gateway, requestContext, fallback: apollo });
}

export type { OperationResult };
