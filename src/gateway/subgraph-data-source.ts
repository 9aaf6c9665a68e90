import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { RemoteGraphQLDataSource } from './apollo-gateway.js';
import type { Fetcher, FetcherResponse } from '@apollo/utils.fetcher';
import { GraphQLError } from 'graphql';
import type { GatewayContext } from '../context.js';
import { encodeIdentity, IDENTITY_HEADER, type Identity } from '../identity/signed-identity.js';
import { injectTraceContext } from '../observability/tracing.js';
import { SHARED_RESPONSE } from './dedupe.js';
import { SubgraphTimeoutError } from './fetcher.js';

const ANONYMOUS: Identity = { scopes: [] };

/** `extensions.code` of an error for a subgraph that is down, timed out or answered with an HTTP error. */
export const SUBGRAPH_UNAVAILABLE = 'SUBGRAPH_UNAVAILABLE';

export interface SignedSubgraphDataSourceOptions {
  /** The subgraph's name in the supergraph; named in errors (`extensions.serviceName`). */
  name: string;
  url: string;
  /**
   * How calls reach the subgraph: `createSubgraphHttp().fetcher(timeoutMs)` wrapped in `signedFetcher`
   * (which signs the identity header this data source sets), and maybe retries, circuit breaking,
   * deduplication. It rejects on network failure or timeout and resolves any HTTP status.
   */
  fetcher: Fetcher;
  /** The Cache-Control to assume for a response that came without one (configured default hints). */
  defaultCacheControl?: (query: string) => string | null;
}

const isKeyValue = (v: unknown): v is string | number => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));

/**
 * The well-formed entries of a subgraph's `extensions.invalidation` (Apollo Router's format):
 * `{ kind: "entity", type, key }`, naming this subgraph or none. Anything else is ignored.
 */
export function declaredInvalidations(value: unknown, subgraph: string): Array<{ type: string; key: Record<string, string | number> }> {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry) => {
    const { kind, type, key, subgraph: named } = (entry ?? {}) as Record<string, unknown>;
    if (kind !== 'entity' || typeof type !== 'string' || (named !== undefined && named !== subgraph)) return [];
    if (!key || typeof key !== 'object' || Array.isArray(key) || !Object.keys(key).length || !Object.values(key).every(isKeyValue)) return [];
    return [{ type, key: key as Record<string, string | number> }];
  });
}

/** What went wrong, in words that name no host or address (the message reaches clients). */
function reason(error: unknown): string {
  if (error instanceof SubgraphTimeoutError) return `did not answer within ${error.timeoutMs} ms`;
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return `is unreachable (${code})`;
  return 'failed';
}

/**
 * Calls one subgraph with the caller's identity in a header (signed by the fetcher, see
 * `signedFetcher`) and the request id, through the fetcher it is given. A failed call becomes one
 * error naming the subgraph, with a stable code; `@apollo/gateway` puts it in the response next to
 * whatever the other fetches returned.
 */
export class SignedSubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly name: string;
  private readonly defaultCacheControl?: (query: string) => string | null;

  constructor(options: SignedSubgraphDataSourceOptions) {
    super({ url: options.url, fetcher: options.fetcher });
    this.name = options.name;
    this.defaultCacheControl = options.defaultCacheControl;
  }

  /**
   * Applies the configured default hint where the subgraph sent none (the gateway reads the header
   * next), and keeps the entities the subgraph says it changed for the cache.
   */
  override didReceiveResponse({ response, request, context }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['didReceiveResponse']>>[0]) {
    if (response.http && SHARED_RESPONSE in response.http) context.sharedSubgraphAnswer = true;
    const declared = declaredInvalidations(response.extensions?.invalidation, this.name);
    if (declared.length) (context.invalidations ??= []).push(...declared);
    const headers = response.http?.headers;
    // No header, or Apollo Server's `no-store` for "no hint at all", counts as no hint.
    const given = headers?.get('cache-control');
    // An answer with errors is never given a default: its `no-store` is the subgraph's word, not a missing hint.
    if (this.defaultCacheControl && headers && (!given || given === 'no-store') && request.query && !response.errors?.length) {
      const header = this.defaultCacheControl(request.query);
      if (header) headers.set('cache-control', header);
    }
    return response;
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers) return;
    // Health checks and schema loads carry no caller: they go out as anonymous, still signed (by the fetcher).
    // The identity resolved once with the request's context (src/identity/caller-identity.ts).
    headers.set(IDENTITY_HEADER, encodeIdentity(context?.identity?.claims ?? ANONYMOUS));
    if (context?.requestId) headers.set('x-request-id', context.requestId);
    injectTraceContext((name, value) => headers.set(name, value));
  }

  /**
   * Subgraph refusals keep Apollo's codes (401 `UNAUTHENTICATED`, 403 `FORBIDDEN`); anything else
   * that kept the subgraph from answering (unreachable, timed out, another HTTP error status, a body
   * that is not JSON) is `SUBGRAPH_UNAVAILABLE`. Every one carries `extensions.serviceName`.
   */
  override didEncounterError(error: Error, _request: unknown, response?: FetcherResponse): never {
    const serviceName = this.name;
    if (error instanceof GraphQLError && typeof error.extensions.code === 'string') {
      throw new GraphQLError(error.message, { originalError: error, extensions: { ...error.extensions, serviceName } });
    }
    const message = response && !response.ok ? `answered HTTP ${response.status}` : reason(error);
    throw new GraphQLError(`Subgraph "${serviceName}" ${message}`, {
      originalError: error,
      extensions: { code: SUBGRAPH_UNAVAILABLE, serviceName },
    });
  }
}
