import { GraphQLError, type FormattedExecutionResult, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { Admitted } from './admission.js';
import type { SubscriptionPlan, SubscriptionPlanner } from './plan.js';
import { createQueueIterator } from './queue.js';
import type { Upstreams } from './upstream.js';

/** Why a subscription ended, as its log line says. */
export type EndReason = 'client' | 'completed' | 'expired' | 'slow_consumer' | 'shutdown' | string;

export interface StreamOptions {
  plan: SubscriptionPlan;
  admitted: Admitted;
  schema: GraphQLSchema;
  context: GatewayContext;
  planner: SubscriptionPlanner;
  upstreams: Upstreams;
  /** The connection's token has expired (checked before each event is sent). */
  expired(): boolean;
  /** After each event queued: the connection checks what its client has waiting. */
  queued(): void;
  /** Once, when it is over (whoever ended it). */
  ended(reason: EndReason, events: number): void;
  formatError(error: GraphQLFormattedError): GraphQLFormattedError;
}

/** An error that ends a subscription: graphql-ws sends it as the operation's `error` message, with its code. */
export const endingError = (message: string, code: string, extensions: Record<string, unknown> = {}) =>
  new GraphQLError(message, { extensions: { code, ...extensions } });

export const EXPIRED = () => endingError('Token has expired', 'UNAUTHENTICATED');

const pick = (variables: Record<string, unknown>, names: readonly string[] = []) =>
  Object.fromEntries(names.filter((name) => name in variables).map((name) => [name, variables[name]]));

/**
 * One client subscription: the primary subscription on its subgraph (over the caller's upstream
 * connection), each event completed with the plan's entity fetches, filtered by authorization,
 * queued for the client in order.
 */
export function createStream(options: StreamOptions) {
  const { plan, admitted, context, planner } = options;
  let events = 0;
  let reason: EndReason = 'client';
  let unsubscribe = () => {};
  const queue = createQueueIterator<FormattedExecutionResult>(Number.POSITIVE_INFINITY, () => {
    unsubscribe();
    options.ended(reason, events);
  });
  const end = (why: EndReason, error?: GraphQLError) => {
    if (queue.done) return;
    reason = why;
    queue.end(error);
  };
  // Events are resolved one after the other: the client gets them in the subgraph's order.
  let chain = Promise.resolve();
  const then = (step: () => Promise<void> | void) => {
    chain = chain.then(step).catch(() => end('error', endingError('Internal server error', 'INTERNAL_SERVER_ERROR')));
  };

  async function deliver(event: FormattedExecutionResult): Promise<void> {
    if (queue.done) return;
    if (options.expired()) return end('expired', EXPIRED());
    const resolved = await planner.resolve(plan, event, {
      document: admitted.document,
      operationName: admitted.operationName,
      variables: admitted.variables,
      schema: options.schema,
      context,
    });
    const result = await admitted.filter(resolved);
    if (queue.done) return;
    events += 1;
    queue.push(result.errors ? { ...result, errors: result.errors.map(options.formatError) } : result);
    options.queued();
  }

  return {
    /** Subscribes upstream; the iterator graphql-ws sends from. */
    start(): AsyncIterableIterator<FormattedExecutionResult> {
      unsubscribe = options.upstreams.subscribe(
        plan.primary.serviceName,
        context.identity.claims,
        { query: plan.primary.operation, operationName: plan.primary.operationName, variables: pick(admitted.variables, plan.primary.variableUsages) },
        {
          next: (event) => then(() => deliver(event)),
          error: (errors) =>
            then(() => {
              const [first] = errors;
              const code = String(first?.extensions?.code ?? 'SUBGRAPH_UNAVAILABLE');
              end(code, new GraphQLError(first?.message ?? 'Subgraph failed', { extensions: { ...first?.extensions, code } }));
            }),
          complete: () => then(() => end('completed')),
        },
      );
      return queue.iterator;
    },
    end,
    /** Events waiting for the client. */
    get size() {
      return queue.size;
    },
    get done() {
      return queue.done;
    },
  };
}

export type Stream = ReturnType<typeof createStream>;
