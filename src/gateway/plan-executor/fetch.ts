import type { GraphQLDataSource } from '@apollo/gateway';
import type { FetchNode, ResponsePath } from '@apollo/query-planner';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { trace, SpanStatusCode } from '@opentelemetry/api';
import type { GraphQLFormattedError } from 'graphql';
import { downstreamServiceError, errorPathMapper } from './errors.js';
import { applyRewrites, copyOfContainers, deepMerge, entitiesOf, type TypeMatcher } from './merge.js';
import { entityBatch } from './representations.js';

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
      const { representations, entitiesOf: standsFor } = entityBatch(scope.matches, fetch, entities);
      if (representations.length < 1) return;
      if ('representations' in variables) throw new Error('Variables cannot contain key "representations"');
      variables.representations = representations;
      const received = await send(scope, service, fetch, path, variables, standsFor);
      if (!received) return;
      const answered = received._entities;
      if (!Array.isArray(answered)) throw new Error('Expected "data._entities" in response to be an array');
      if (answered.length !== representations.length) throw new Error(`Expected "data._entities" to contain ${representations.length} elements`);
      for (let n = 0; n < answered.length; n++) {
        const got = answered[n] as Record<string, unknown> | null;
        const same = standsFor[n];
        // Every entity it stands for has this __typename (it is part of the representation's key).
        if (got && !got.__typename) got.__typename = entities[same[0]].__typename;
        applyRewrites(scope.matches, fetch.outputRewrites, got);
        // One answer for every entity it stands for; each after the first gets its own copy of the
        // answer's objects, so that a later fetch merging into one of them never changes another.
        deepMerge(entities[same[0]], got);
        for (let k = 1; k < same.length; k++) deepMerge(entities[same[k]], copyOfContainers(got));
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
  entitiesOf: readonly (readonly number[])[] | undefined,
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
    const placesOf = errorPathMapper(fetch, path, scope.root, entitiesOf);
    const placed = response.errors.flatMap((error) => placesOf(error.path).map((place) => ({ error, ...place })));
    // Errors of a representation shared by several entities come in the entities' order, as if each
    // had been sent (errors of the whole fetch first; the sort is stable).
    if (entitiesOf?.some((entities) => entities.length > 1)) placed.sort((a, b) => a.entity - b.entity);
    for (const { error, path: at } of placed) scope.errors.push(downstreamServiceError(error, fetch.serviceName, at));
  }
  return response.data;
}
