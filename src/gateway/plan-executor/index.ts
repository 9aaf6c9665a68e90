import { createHash } from 'node:crypto';
import { operationFromDocument } from '@apollo/federation-internals';
import type { ApolloGateway, GraphQLDataSource } from '@apollo/gateway';
import type { PlanNode, QueryPlan, ResponsePath } from '@apollo/query-planner';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { SpanStatusCode } from '@opentelemetry/api';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { Operation } from '../../server/operation.js';
import { executeFetch, tracer, type FetchScope } from './fetch.js';
import { typeMatcher, valuesAt, type TypeMatcher } from './merge.js';
import { compileOperation, type CompiledOperation } from './shape.js';

/** What the executor reads of an @apollo/gateway (its planner, plan store, schemas and data sources). */
interface GatewayInternals {
  queryPlanStore: { get(key: string): Promise<QueryPlan | undefined>; set(key: string, plan: QueryPlan): Promise<void> };
  queryPlanner: { buildQueryPlan(operation: unknown, options: object): QueryPlan };
  apiSchema: unknown;
  supergraphSchema: GraphQLSchema;
  serviceMap: Record<string, { dataSource: GraphQLDataSource }>;
  recursiveSelectionsLimitDisabled?: boolean;
  nonLocalSelectionsLimitDisabled?: boolean;
  logger: { warn(message: string): void };
}

export type ExecutionResult = { data?: Record<string, unknown> | null; errors?: readonly unknown[]; extensions?: Record<string, unknown> };

/** Plans @apollo/gateway's executor leaves to itself: @defer, subscriptions, @fromContext, introspection. */
function unsupported(node: PlanNode | QueryPlan['node']): boolean {
  if (!node) return false;
  switch (node.kind) {
    case 'Sequence':
    case 'Parallel':
      return node.nodes.some(unsupported);
    case 'Flatten':
      return unsupported(node.node);
    case 'Condition':
      return unsupported(node.ifClause) || unsupported(node.elseClause);
    case 'Fetch':
      return !!node.contextRewrites?.length || !!node.hasDefers;
    default:
      return true;
  }
}

/** The cursor a node runs at: its path in the response (`@` for lists) and the value(s) there. */
interface Cursor {
  path: ResponsePath;
  data: unknown;
}

async function executeNode(scope: FetchScope, node: PlanNode, cursor: Cursor, variables: Readonly<Record<string, unknown>>): Promise<void> {
  switch (node.kind) {
    case 'Sequence':
      for (const child of node.nodes) await executeNode(scope, child, cursor, variables);
      return;
    case 'Parallel':
      await Promise.all(node.nodes.map((child) => executeNode(scope, child, cursor, variables)));
      return;
    case 'Flatten': {
      const data = valuesAt(cursor.data, node.path);
      if (!data) return;
      return executeNode(scope, node.node, { path: [...cursor.path, ...node.path], data }, variables);
    }
    case 'Fetch':
      try {
        await executeFetch(scope, node, cursor.path, cursor.data);
      } catch (error) {
        scope.errors.push(error);
      }
      return;
    case 'Condition': {
      const value = variables[node.condition];
      if (typeof value !== 'boolean') throw new Error(`Invalid non-boolean value ${String(value)} for Boolean! variable $${node.condition}`);
      const branch = value ? node.ifClause : node.elseClause;
      if (branch) await executeNode(scope, branch, cursor, variables);
      return;
    }
    default:
      throw new Error(`${node.kind} nodes are left to @apollo/gateway's executor`);
  }
}

export interface PlanExecutorOptions {
  gateway: ApolloGateway;
  /** The request context the data sources are given (Portico's context, cache policy, logger). */
  requestContext(op: Operation): GatewayGraphQLRequestContext;
  /** Runs what this executor leaves alone (@defer, subscriptions, introspection, @fromContext). */
  fallback(op: Operation): Promise<ExecutionResult>;
}

/**
 * Portico's executor of @apollo/query-planner's plans: the plan from @apollo/gateway's planner and
 * plan store (the same key, so both executors share plans), the fetches through the gateway's data
 * sources, the answers merged in place into one tree, then one pass that shapes the client's response.
 * Answers like @apollo/gateway's executor, data and errors (see docs/ARCHITECTURE.md).
 */
export function createPlanExecutor({ gateway, requestContext, fallback }: PlanExecutorOptions) {
  const internals = gateway as unknown as GatewayInternals;
  const compiled = new WeakMap<QueryPlan, CompiledOperation | null>();
  const matchers = new WeakMap<GraphQLSchema, TypeMatcher>();

  async function planOf(op: Operation): Promise<QueryPlan> {
    const { document, hash } = op.runs;
    const name = op.name ?? undefined;
    const key = name ? createHash('sha256').update(hash).update(name).digest('hex') : hash;
    const stored = await internals.queryPlanStore.get(key);
    if (stored) return stored;
    const plan = tracer.startActiveSpan('gateway.plan', name ? { attributes: { 'graphql.operation.name': name } } : {}, (span) => {
      try {
        const operation = operationFromDocument(internals.apiSchema as never, document, { operationName: name });
        return internals.queryPlanner.buildQueryPlan(operation, {
          recursiveSelectionsLimitDisabled: internals.recursiveSelectionsLimitDisabled,
          nonLocalSelectionsLimitDisabled: internals.nonLocalSelectionsLimitDisabled,
        });
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
    try {
      await internals.queryPlanStore.set(key, plan);
    } catch (error) {
      internals.logger.warn(`Could not store queryPlan${(error as Error)?.message ?? error}`);
    }
    return plan;
  }

  function compiledOf(plan: QueryPlan, op: Operation): CompiledOperation | null {
    let made = compiled.get(plan);
    if (made === undefined) {
      const operation = unsupported(plan.node) ? null : compileOperation(op.schema, op.runs.document, op.runs.definition);
      made = operation && !operation.introspects ? operation : null;
      compiled.set(plan, made);
    }
    return made;
  }

  /**
   * The data sources as they are now: @apollo/gateway updates its service map in place when a new
   * supergraph adds a subgraph, so it is read per request (a handful of entries).
   */
  function servicesOf(): Record<string, GraphQLDataSource> {
    const map: Record<string, GraphQLDataSource> = Object.create(null);
    for (const name in internals.serviceMap) map[name] = internals.serviceMap[name].dataSource;
    return map;
  }

  function matcherOf(schema: GraphQLSchema): TypeMatcher {
    let matcher = matchers.get(schema);
    if (!matcher) matchers.set(schema, (matcher = typeMatcher(schema)));
    return matcher;
  }

  return async function execute(op: Operation): Promise<ExecutionResult> {
    const plan = await planOf(op);
    const operation = compiledOf(plan, op);
    if (!operation) return fallback(op);
    return tracer.startActiveSpan('gateway.execute', async (span) => {
      try {
        const root: Record<string, unknown> = {};
        const errors: unknown[] = [];
        const scope: FetchScope = {
          services: servicesOf(),
          requestContext: requestContext(op),
          variables: op.rawVariables,
          matches: matcherOf(internals.supergraphSchema),
          root,
          errors,
        };
        if (plan.node) await executeNode(scope, plan.node as PlanNode, { path: [], data: root }, op.variables);
        let shaped;
        try {
          shaped = operation.shape(root, op.variables);
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          const message = error instanceof Error ? error.message : 'Unexpected error during query plan execution';
          return { errors: [error instanceof GraphQLError ? error : new GraphQLError(message, { originalError: error instanceof Error ? error : undefined })] };
        }
        if (errors.length) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          return { errors, data: shaped.data };
        }
        if (shaped.errors.length) return { extensions: { valueCompletion: shaped.errors }, data: shaped.data };
        return { data: shaped.data };
      } finally {
        span.end();
      }
    });
  };
}
