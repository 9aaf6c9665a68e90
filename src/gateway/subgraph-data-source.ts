import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLRequest, GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
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

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The request as @apollo/gateway's data source writes it: the query first (deduplication and signing read that). */
const requestBody = ({ query, variables, operationName, extensions }: GatewayGraphQLRequest): string => JSON.stringify({ query, variables, operationName, extensions });

/**
 * A subgraph's `Cache-Control` as the hint @apollo/gateway's data source gives the request's cache
 * policy: the last `max-age` counts (one that is not a number gives 0). Unlike Apollo, `private`
 * anywhere wins over `public` (Apollo lets `public` win when both are sent).
 */
function cacheHint(header: string | null | undefined): { maxAge: number; scope?: 'PRIVATE' | 'PUBLIC' } {
  const hint: { maxAge: number; scope?: 'PRIVATE' | 'PUBLIC' } = { maxAge: 0 };
  if (!header) return hint;
  let maxAge: string | undefined;
  let isPrivate = false;
  let isPublic = false;
  for (const part of header.trim().split(/\s*,\s*/)) {
    const [name, value] = part.split(/\s*=\s*/, 2);
    if (name === 'max-age') maxAge = value === undefined ? undefined : value.replace(/^"|"$/g, '');
    else if (name === 'private' && value === undefined) isPrivate = true;
    else if (name === 'public' && value === undefined) isPublic = true;
  }
  if (maxAge !== undefined && /^[0-9]+$/.test(maxAge)) hint.maxAge = +maxAge;
  if (isPrivate) hint.scope = 'PRIVATE';
  else if (isPublic) hint.scope = 'PUBLIC';
  return hint;
}

interface RestrictablePolicy {
  restrict(hint: { maxAge: number; scope?: 'PRIVATE' | 'PUBLIC' }): void;
}

/**
 * Calls one subgraph with the caller's identity in a header (signed by the fetcher, see
 * `signedFetcher`) and the request id, through the fetcher it is given. A failed call becomes one
 * error naming the subgraph, with a stable code; the executor puts it in the response next to
 * whatever the other fetches returned. The subgraph's `Cache-Control` restricts the request's cache
 * policy, as @apollo/gateway's `RemoteGraphQLDataSource` does; unlike it, no node-fetch `Request`
 * or `Headers` is built per call (they were a tenth of a deep query's subgraph calls).
 */
export class SignedSubgraphDataSource implements GraphQLDataSource<GatewayContext> {
  readonly name: string;
  readonly url: string;
  private readonly fetcher: Fetcher;
  private readonly defaultCacheControl?: (query: string) => string | null;

  constructor(options: SignedSubgraphDataSourceOptions) {
    this.name = options.name;
    this.url = options.url;
    this.fetcher = options.fetcher;
    this.defaultCacheControl = options.defaultCacheControl;
  }

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    // A health check's or schema load's context is not a request's: read as a partial one.
    const context = options.context as Partial<GatewayContext> | undefined;
    if (!request.query) throw new Error('Missing query');
    const headers = this.headers(request, context);
    let response: FetcherResponse | undefined;
    let answer: GatewayGraphQLResponse;
    try {
      response = await this.fetcher(this.url, { method: 'POST', headers, body: requestBody(request) });
      if (!response.ok) throw refusal(response);
      const type = response.headers.get('content-type');
      const parsed: unknown = type && (type.startsWith('application/json') || type.startsWith('application/graphql-response+json')) ? await response.json() : await response.text();
      if (!isObject(parsed)) throw new Error('Expected a JSON object as the response body');
      // The answer is this call's own parse: `http` is set on it rather than copied into a new object.
      answer = Object.assign(parsed, { http: response }) as GatewayGraphQLResponse;
    } catch (error) {
      throw this.failure(error, response);
    }
    this.received(answer, request.query, context);
    if (options.kind === ('incoming operation' as never)) {
      const policy = (options as { incomingRequestContext?: { overallCachePolicy?: unknown } }).incomingRequestContext?.overallCachePolicy;
      if (policy && typeof policy === 'object' && 'restrict' in policy) (policy as RestrictablePolicy).restrict(cacheHint(response.headers.get('cache-control')));
    }
    return answer;
  }

  /** The caller's identity (resolved once per request, src/identity/caller-identity.ts), the request id, the trace. */
  private headers(request: GatewayGraphQLRequest, context: Partial<GatewayContext> | undefined): Record<string, string> {
    const headers: Record<string, string> = {};
    const given = request.http?.headers;
    if (given) for (const [name, value] of given) headers[name.toLowerCase()] = value;
    headers['content-type'] = 'application/json';
    // Health checks and schema loads carry no caller: they go out as anonymous, still signed (by the fetcher).
    headers[IDENTITY_HEADER] = encodeIdentity(context?.identity?.claims ?? ANONYMOUS);
    if (context?.requestId) headers['x-request-id'] = context.requestId;
    injectTraceContext((name, value) => {
      headers[name] = value;
    });
    return headers;
  }

  /**
   * Applies the configured default hint where the subgraph sent none (the cache policy reads the
   * header next), and keeps the entities the subgraph says it changed for the cache.
   */
  private received(answer: GatewayGraphQLResponse, query: string, context: Partial<GatewayContext> | undefined): void {
    const http = answer.http as (FetcherResponse & { [SHARED_RESPONSE]?: true }) | undefined;
    if (context && http && SHARED_RESPONSE in http) context.sharedSubgraphAnswer = true;
    const declared = declaredInvalidations(answer.extensions?.invalidation, this.name);
    if (context && declared.length) (context.invalidations ??= []).push(...declared);
    const headers = http?.headers;
    // No header, or Apollo Server's `no-store` for "no hint at all", counts as no hint.
    const given = headers?.get('cache-control');
    // An answer with errors is never given a default: its `no-store` is the subgraph's word, not a missing hint.
    if (this.defaultCacheControl && headers && (!given || given === 'no-store') && !answer.errors?.length) {
      const header = this.defaultCacheControl(query);
      if (header) headers.set('cache-control', header);
    }
  }

  /**
   * Subgraph refusals keep Apollo's codes (401 `UNAUTHENTICATED`, 403 `FORBIDDEN`); anything else
   * that kept the subgraph from answering (unreachable, timed out, another HTTP error status, a body
   * that is not JSON) is `SUBGRAPH_UNAVAILABLE`. Every one carries `extensions.serviceName`, and none
   * the subgraph's URL or body.
   */
  private failure(error: unknown, response: FetcherResponse | undefined): GraphQLError {
    const serviceName = this.name;
    if (error instanceof GraphQLError && typeof error.extensions.code === 'string') {
      return new GraphQLError(error.message, { originalError: error, extensions: { ...error.extensions, serviceName } });
    }
    const message = response && !response.ok ? `answered HTTP ${response.status}` : reason(error);
    return new GraphQLError(`Subgraph "${serviceName}" ${message}`, {
      originalError: error instanceof Error ? error : undefined,
      extensions: { code: SUBGRAPH_UNAVAILABLE, serviceName },
    });
  }
}

/** An HTTP error status: 401 and 403 keep Apollo's wording and codes, any other is an unavailable subgraph. */
function refusal(response: FetcherResponse): Error {
  const code = response.status === 401 ? 'UNAUTHENTICATED' : response.status === 403 ? 'FORBIDDEN' : undefined;
  if (!code) return new Error(`HTTP ${response.status}`);
  return new GraphQLError(`${response.status}: ${response.statusText}`, { extensions: { code } });
}
