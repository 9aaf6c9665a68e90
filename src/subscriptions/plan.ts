import type { GraphQLDataSource } from '@apollo/gateway';
import { buildOperationContext, executeQueryPlan } from '../gateway/apollo-gateway.js';
import { operationFromDocument, Supergraph, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type PlanNode, type QueryPlan } from '@apollo/query-planner';
import { GraphQLError, type DocumentNode, type FormattedExecutionResult, type GraphQLSchema } from 'graphql';
import type { GatewayContext } from '../context.js';

/** A subscription as federation plans it: the field from the subgraph that owns it, the rest as entity fetches. */
export interface SubscriptionPlan {
  /** The operation sent to `subgraph` over its own graphql-ws connection. */
  primary: FetchNode;
  /** Run for each event, on the event's data (entity fetches to other subgraphs); absent when the subgraph answers all. */
  rest?: PlanNode;
}

/** How many documents' plans to keep per supergraph. */
const PLANS = 1000;

// Apollo Server's cache policy, as @apollo/gateway's data sources restrict it; an event is never cached.
const noCachePolicy = { restrict() {}, replace() {}, policyIfCacheable: () => null };

/**
 * Plans subscriptions on the live supergraph with @apollo/query-planner (what @apollo/gateway uses for
 * queries: it plans subscriptions, but its executor refuses them), and resolves each event's `rest`
 * with @apollo/gateway's own executor, through the gateway's data sources (signed, retried, observed).
 */
export function createSubscriptionPlanner(dataSources: ReadonlyMap<string, GraphQLDataSource>) {
  let current: { planner: QueryPlanner; apiSchema: Schema; supergraphSchema: GraphQLSchema; plans: Map<string, SubscriptionPlan> } | undefined;

  return {
    /** Called with each supergraph that goes live (its SDL as the gateway was given it). */
    useSupergraph(supergraphSdl: string): void {
      const supergraph = Supergraph.build(supergraphSdl, { validateSupergraph: false });
      current = {
        planner: new QueryPlanner(supergraph),
        apiSchema: supergraph.apiSchema(),
        supergraphSchema: supergraph.schema.toGraphQLJSSchema(),
        plans: new Map(),
      };
    },

    /**
     * The plan of a valid subscription document (cached by `key`: the hash of what the caller may see);
     * undefined when nothing in it subscribes (authorization removed the field).
     */
    plan(key: string, document: DocumentNode, operationName: string | undefined): SubscriptionPlan | undefined {
      if (!current) throw new GraphQLError('The gateway has no supergraph yet', { extensions: { code: 'SERVICE_UNAVAILABLE' } });
      let plan = current.plans.get(key);
      if (!plan) {
        const node = current.planner.buildQueryPlan(operationFromDocument(current.apiSchema, document, { operationName })).node;
        if (node?.kind !== 'Subscription') return undefined;
        plan = { primary: node.primary, rest: node.rest };
        if (current.plans.size >= PLANS) current.plans.delete(current.plans.keys().next().value as string);
        current.plans.set(key, plan);
      }
      return plan;
    },

    /**
     * One event as the client asked for it: the subgraph's result merged with what `rest` fetches
     * elsewhere, shaped to the document (as for a query). Fetch errors come back in `errors`.
     */
    async resolve(
      plan: SubscriptionPlan,
      event: FormattedExecutionResult,
      request: { document: DocumentNode; operationName?: string; variables: Record<string, unknown>; schema: GraphQLSchema; context: GatewayContext },
    ): Promise<FormattedExecutionResult> {
      if (!current) throw new GraphQLError('The gateway has no supergraph yet', { extensions: { code: 'SERVICE_UNAVAILABLE' } });
      const services: Record<string, GraphQLDataSource> = Object.fromEntries(dataSources);
      // The event stands in for the primary fetch: the executor "fetches" it and runs the rest on it.
      const real = services[plan.primary.serviceName];
      services[plan.primary.serviceName] = {
        process: (options) =>
          options.request.query === plan.primary.operation ? Promise.resolve(event as Awaited<ReturnType<GraphQLDataSource['process']>>) : real.process(options),
      };
      const queryPlan: QueryPlan = {
        kind: 'QueryPlan',
        node: plan.rest ? { kind: 'Sequence', nodes: [plan.primary, plan.rest] } : plan.primary,
      };
      const requestContext = {
        request: { query: undefined, operationName: request.operationName, variables: request.variables },
        context: request.context,
        logger: undefined,
        metrics: {},
        overallCachePolicy: noCachePolicy,
        document: request.document,
        operationName: request.operationName ?? null,
      };
      const operationContext = buildOperationContext({ schema: request.schema, operationDocument: request.document, operationName: request.operationName });
      const result = await executeQueryPlan(
        queryPlan,
        services,
        requestContext as unknown as Parameters<typeof executeQueryPlan>[2],
        operationContext,
        current.supergraphSchema,
        current.apiSchema,
      );
      return {
        ...(result.data !== undefined ? { data: result.data } : {}),
        ...(result.errors?.length ? { errors: result.errors.map((e) => e.toJSON()) } : {}),
      };
    },
  };
}

export type SubscriptionPlanner = ReturnType<typeof createSubscriptionPlanner>;
