import type {
  ApolloServerPlugin,
  GraphQLRequestContextDidResolveOperation,
  GraphQLRequestContextWillSendResponse,
  GraphQLResponse,
} from '@apollo/server';
import type { GatewayContext } from '../context.js';
import { refusal } from './refusal.js';
import { executionVariables, refuseNullConditions } from './variables.js';

export type OperationContext = GraphQLRequestContextDidResolveOperation<GatewayContext>;
export type ResponseContext = GraphQLRequestContextWillSendResponse<GatewayContext>;

/** What a stage can ask of the rest of one request. */
export interface RequestScope {
  /** Runs before the response leaves, also for refused requests; the last registered runs first. */
  beforeResponse(hook: (rc: ResponseContext) => void | Promise<void>): void;
  /** Answers without executing (a cache hit); the first answer that is not null wins. */
  respondWith(responder: () => Promise<GraphQLResponse | null>): void;
}

/**
 * One concern's part in a request: called in pipeline order once the operation is parsed and
 * validated. It may rewrite the operation, register later hooks, or throw a GraphQLError to refuse
 * the request (with `extensions.http` for the status and headers).
 */
export interface Stage {
  name: string;
  /**
   * Changes nothing outside this request (no counter, no budget): it may run again for the same
   * request, which the cached-answer lane does when it hands a request back to Apollo Server.
   */
  pure?: boolean;
  operation(rc: OperationContext, scope: RequestScope): void | Promise<void>;
}

/** One request's hooks, as the stages registered them. */
export function createRequestScope() {
  const after: Array<(rc: ResponseContext) => void | Promise<void>> = [];
  const responders: Array<() => Promise<GraphQLResponse | null>> = [];
  const scope: RequestScope = {
    beforeResponse: (hook) => void after.push(hook),
    respondWith: (responder) => void responders.push(responder),
  };
  return {
    scope,
    async respond(): Promise<GraphQLResponse | null> {
      for (const responder of responders) {
        const response = await responder();
        if (response) return response;
      }
      return null;
    },
    async beforeResponse(rc: ResponseContext): Promise<void> {
      for (let i = after.length - 1; i >= 0; i--) await after[i](rc);
    },
  };
}

function operationNotFound(operationName: string | undefined): Error {
  const message = operationName
    ? `Unknown operation named "${operationName}".`
    : 'Must provide operation name if query contains multiple operations.';
  return refusal(message, 'OPERATION_RESOLUTION_FAILURE', 400);
}

/**
 * Apollo Server runs the plugins' hooks concurrently; Portico's concerns depend on each other's
 * outcome (cost is estimated on what authorization left, the cache key includes both), so they run
 * as stages of one plugin, in the order given. `resolved` sees each operation as Apollo Server
 * parsed and validated it, before any stage changed it.
 */
export function createPipelinePlugin(stages: Stage[], resolved?: (rc: OperationContext) => void): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      const request = createRequestScope();
      return {
        async didResolveOperation(rc) {
          // Apollo Server leaves an unresolved operation to execution, where @apollo/gateway throws
          // (HTTP 500, INVALID_GRAPHQL): refuse it here as plain Apollo Server does.
          if (!rc.operation) throw operationNotFound(rc.request.operationName);
          resolved?.(rc);
          rc.contextValue.variables = executionVariables(rc.schema, rc.operation, rc.request.variables);
          refuseNullConditions(rc.document, rc.contextValue.variables);
          for (const stage of stages) await stage.operation(rc, request.scope);
        },
        responseForOperation: () => request.respond(),
        willSendResponse: (rc) => request.beforeResponse(rc),
      };
    },
  };
}
