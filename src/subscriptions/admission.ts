import { createHash } from 'node:crypto';
import { HeaderMap } from '@apollo/server';
import type { DocumentNode, FormattedExecutionResult, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type { GatewayContext } from '../context.js';
import { createRequestScope, type OperationContext, type ResponseContext, type Stage } from '../server/pipeline.js';
import { executionVariables, refuseNullConditions } from '../server/variables.js';

/**
 * The stages a subscription goes through when it starts, in pipeline order: shape limits,
 * authorization, rate limits, cost (its estimate taken from the budget, kept: a subscription is not
 * settled to an actual cost), quota. Not the cache, nor the HTTP header stages.
 *
 * This is the one place where subscriptions meet the request pipeline (issue 16 replaces it with the
 * pipeline's own entry point for `entry: 'websocket'`).
 */
const AT_SUBSCRIBE = new Set(['limits', 'authorization', 'rate-limits', 'cost', 'quota']);

export interface SubscriptionRequest {
  schema: GraphQLSchema;
  query: string;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  operationName?: string;
  variables?: Record<string, unknown>;
  /** The WebSocket handshake's headers (policies may read them). */
  headers: Record<string, string | string[] | undefined>;
  context: GatewayContext;
}

export interface Admitted {
  /** The document as this caller may run it (what authorization removed is gone). */
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** The hash of that document: plans are kept under it. */
  queryHash: string;
  /** The variables as execution sees them. */
  variables: Record<string, unknown>;
  /** Applies to one event what authorization decided at subscribe: nulls and an error per removed path. */
  filter(result: FormattedExecutionResult): Promise<FormattedExecutionResult>;
}

function responseContext(result: FormattedExecutionResult, context: GatewayContext): ResponseContext {
  return { response: { body: { kind: 'single', singleResult: result }, http: { headers: new HeaderMap() } }, contextValue: context } as unknown as ResponseContext;
}

/** Runs the stages on a subscription; throws their refusal (a GraphQLError with `extensions.code`). */
export function createAdmission(stages: readonly Stage[]) {
  const atSubscribe = stages.filter((stage) => AT_SUBSCRIBE.has(stage.name));
  return async function admit(request: SubscriptionRequest): Promise<Admitted> {
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string') headers.set(name, value);
    const rc = {
      schema: request.schema,
      document: request.document,
      operation: request.operation,
      operationName: request.operationName ?? request.operation.name?.value ?? null,
      source: request.query,
      queryHash: createHash('sha256').update(request.query).digest('hex'),
      request: { query: request.query, operationName: request.operationName, variables: request.variables ?? {}, http: { headers, method: 'GET', search: '', body: undefined } },
      contextValue: request.context,
      metrics: {},
      overallCachePolicy: { restrict() {}, replace() {}, policyIfCacheable: () => null },
    } as unknown as OperationContext;
    const variables = executionVariables(rc.schema, rc.operation!, rc.request.variables) as Record<string, unknown>;
    request.context.variables = variables;
    refuseNullConditions(rc.document, variables);
    // Each stage's hooks apart: authorization's run on every event; the others' only when a later stage
    // refuses (the cost stage gives its estimate back then, as for any request that did not run).
    const hooks = new Map<string, ReturnType<typeof createRequestScope>>();
    try {
      for (const stage of atSubscribe) {
        const scope = createRequestScope();
        hooks.set(stage.name, scope);
        await stage.operation(rc, scope.scope);
      }
    } catch (error) {
      const refused = responseContext({ errors: [] }, request.context);
      for (const scope of [...hooks.values()].reverse()) await scope.beforeResponse(refused).catch(() => undefined);
      throw error;
    }
    const authorization = hooks.get('authorization');
    return {
      document: rc.document,
      operation: rc.operation!,
      queryHash: rc.queryHash,
      variables,
      async filter(result) {
        if (!authorization) return result;
        const rcOut = responseContext({ ...result }, request.context);
        await authorization.beforeResponse(rcOut);
        return (rcOut.response.body as { singleResult: FormattedExecutionResult }).singleResult;
      },
    };
  };
}

export type Admission = ReturnType<typeof createAdmission>;
