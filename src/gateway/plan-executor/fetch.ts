import type { GraphQLDataSource } from '@apollo/gateway';
import type { FetchNode, ResponsePath } from '@apollo/query-planner';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { trace, SpanStatusCode } from '@opentelemetry/api';
import type { GraphQLFormattedError } from 'graphql';
import { downstreamServiceError, errorPathMapper } from './errors.js';
import { applyRewrites, deepMerge, entitiesOf, representation, type TypeMatcher } from './merge.js';

/** Spans named as @apollo/gateway's (`gateway.fetch`), from the same tracer, so traces read the same. */
export const tracer = trace.getTracer('apollo/gateway-js');

/** What every fetch of one request shares. */
export interface FetchScope {
  readonly services: Readonly<Record<string, GraphQLDataSource | undefined>>;
  readonly requestContext: GatewayGraphQLRequestContext;
  /** The variables as the client sent them (what @apollo/gateway passes on). */
  readonly variables: Readonly<Record<string, unknown>>;
  readonly matches: TypeMatcher;
  /** The merged result so far (error paths of entity fetches are found in it). */
  readonly root: Record<string, unknown>;
  readonly errors: unknown[];
}

/** A fetch's data and errors as the data source returns them. */
interface Answer {
  data?: Record<string, unknown> | null;
  errors?: readonly GraphQLFormattedError[];
}

/**
 * Runs one Fetch node on the objects at `data` (the root, or a Flatten node's entities): its
 * variables, its representations (`requires`), one call through the subgraph's data source (signing,
 * identity, deduplication, resilience, invalidations and cache hints are the data source's), then the
 * answer merged into those objects in place. Failures become errors of the response, as in
 * @apollo/gateway: the fetch's objects stay as they were.
 */
export async function executeFetch(scope: FetchScope, fetch: FetchNode, path: ResponsePath, data: unknown): Promise<void> {
  const service = scope.services[fetch.serviceName];
  await tracer.startActiveSpan('gateway.fetch', { attributes: { service: fetch.serviceName } }, async (span) => {
    try {
      if (!service) throw new Error(`Couldn't find service with name "${fetch.serviceName}"`);
      const entities = entitiesOf(data);
      if (entities.length < 1) return;
      const variables: Record<string, unknown> = {};
      for (const name of fetch.variableUsages ?? []) {
        if (Object.prototype.hasOwnProperty.call(scope.variables, name) && scope.variables[name] !== undefined) variables[name] = scope.variables[name];
      }
      if (!fetch.requires) {
        const received = await send(scope, service, fetch, path, variables, undefined);
        if (received) applyRewrites(scope.matches, fetch.outputRewrites, received);
        for (const entity of entities) deepMerge(entity, received);
        return;
      }
      const representations: Record<string, unknown>[] = [];
      const representationToEntity: number[] = [];
      for (let i = 0; i < entities.length; i++) {
        const made = representation(scope.matches, entities[i], fetch.requires);
        if (made && made.__typename) {
          applyRewrites(scope.matches, fetch.inputRewrites, made);
          representations.push(made);
          representationToEntity.push(i);
        }
      }
      if (representations.length < 1) return;
      if ('representations' in variables) throw new Error('Variables cannot contain key "representations"');
      variables.representations = representations;
      const received = await send(scope, service, fetch, path, variables, representationToEntity);
      if (!received) return;
      const answered = received._entities;
      if (!Array.isArray(answered)) throw new Error('Expected "data._entities" in response to be an array');
      if (answered.length !== representations.length) throw new Error(`Expected "data._entities" to contain ${representations.length} elements`);
      for (let i = 0; i < answered.length; i++) {
        const entity = entities[representationToEntity[i]];
        const got = answered[i] as Record<string, unknown> | null;
        if (got && !got.__typename) got.__typename = entity.__typename;
        applyRewrites(scope.matches, fetch.outputRewrites, got);
        deepMerge(entity, got);
      }
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

async function send(
  scope: FetchScope,
  service: GraphQLDataSource,
  fetch: FetchNode,
  path: ResponsePath,
  variables: Record<string, unknown>,
  representationToEntity: number[] | undefined,
): Promise<Record<string, unknown> | null | undefined> {
  const { requestContext } = scope;
  const response: Answer = await service.process({
    kind: 'incoming operation' as never,
    request: { query: fetch.operation, variables, operationName: fetch.operationName },
    incomingRequestContext: requestContext,
    context: requestContext.context,
    document: fetch.operationDocumentNode,
    pathInIncomingRequest: path,
  });
  if (response.errors) {
    const pathOf = errorPathMapper(fetch, path, scope.root, representationToEntity);
    for (const error of response.errors) scope.errors.push(downstreamServiceError(error, fetch.serviceName, pathOf(error.path)));
  }
  return response.data;
}
