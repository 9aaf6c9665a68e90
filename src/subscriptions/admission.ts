import type { DocumentNode, GraphQLFormattedError, OperationDefinitionNode } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { Entry, OperationResponse, OperationResult } from '../server/operation.js';
import type { OperationScope, Pipeline } from '../server/pipeline.js';
import { refusal } from '../server/refusal.js';
import type { OperationRunner } from '../server/run-operation.js';

/**
 * The plugins a subscription goes through when it starts, in pipeline order: authorization, rate
 * limits, cost (its estimate taken from the budget, and kept: a subscription is not settled to an
 * actual cost), quota. Shape limits run as validation rules (`documents`). Not the cache, nor the
 * HTTP header plugins. Authorization's response hook then runs on every event.
 */
const AT_SUBSCRIBE = new Set(['authorization', 'rate-limits', 'cost', 'quota']);

export interface SubscriptionRequest {
  entry: Entry;
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  /** The WebSocket handshake's (or the HTTP request's) headers, lower-case: policies may read them. */
  headers: ReadonlyMap<string, string>;
  context: GatewayContext;
}

export interface Admitted {
  /** The document as this caller may run it (what authorization removed is gone). */
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** The hash of that document: plans are kept under it. */
  queryHash: string;
  operationName?: string;
  /** The variables as execution sees them. */
  variables: Record<string, unknown>;
  /** Applies to one event what authorization decided at subscribe: nulls and an error per removed path. */
  filter(result: OperationResult): Promise<OperationResult>;
}

/** A refusal: the errors as the runner formats them for any entry point. */
export class Refused extends Error {
  constructor(readonly errors: readonly GraphQLFormattedError[]) {
    super(errors[0]?.message ?? 'refused');
  }
}

function scopeOf(hooks: Array<(response: OperationResponse) => void | Promise<void>>): OperationScope {
  return { respondWith: () => {}, onResponse: (hook) => void hooks.push(hook) };
}

async function finish(hooks: Array<(response: OperationResponse) => void | Promise<void>>, response: OperationResponse): Promise<void> {
  for (let i = hooks.length - 1; i >= 0; i--) await hooks[i](response);
}

/**
 * A subscription's way into the one pipeline: the document validated as any (shape limits included),
 * the Operation prepared by the runner (variables coerced once), then the plugins that apply at
 * subscribe, each with hooks of its own so that authorization's can run per event.
 */
export function createAdmission({ runner, pipeline }: { runner: OperationRunner; pipeline: Pipeline }) {
  const atSubscribe = pipeline.plugins.filter((plugin) => AT_SUBSCRIBE.has(plugin.name));
  const refuse = (error: unknown): never => {
    throw new Refused(runner.refused([error]).result.errors ?? []);
  };

  return async function admit(request: SubscriptionRequest): Promise<Admitted> {
    const found = runner.documentOf(request.query);
    if ('refused' in found) throw new Refused(found.refused.result.errors ?? []);
    const { valid } = found;
    const prepared = runner.prepare({
      entry: request.entry,
      source: request.query,
      document: valid.document,
      hash: valid.hash,
      operationName: request.operationName,
      rawVariables: request.variables ?? {},
      headers: request.headers,
      context: request.context,
    });
    if ('error' in prepared) refuse(prepared.error);
    const { op } = prepared as Exclude<typeof prepared, { error: unknown }>;
    if (op.type !== 'subscription') refuse(refusal('Only subscriptions are served this way; send queries and mutations as plain HTTP requests', 'BAD_REQUEST', 400));

    const hooks = new Map<string, Array<(response: OperationResponse) => void | Promise<void>>>();
    try {
      for (const plugin of atSubscribe) {
        const own: Array<(response: OperationResponse) => void | Promise<void>> = [];
        hooks.set(plugin.name, own);
        await plugin.onOperation?.(op, scopeOf(own));
      }
    } catch (error) {
      // The other plugins' hooks see a refused operation (the cost plugin gives its estimate back).
      const refused = runner.refused([error]);
      for (const own of [...hooks.values()].reverse()) await finish(own, refused).catch(() => undefined);
      throw new Refused(refused.result.errors ?? []);
    }
    const authorization = hooks.get('authorization') ?? [];
    return {
      document: op.runs.document,
      operation: op.runs.definition,
      queryHash: op.runs.hash,
      operationName: op.name ?? undefined,
      variables: op.variables as Record<string, unknown>,
      async filter(result) {
        const response: OperationResponse = { headers: new Map(), result: { ...result } };
        await finish(authorization, response);
        return response.result;
      },
    };
  };
}

export type Admission = ReturnType<typeof createAdmission>;
