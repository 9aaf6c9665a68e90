import { HeaderMap, type GraphQLRequestContext, type HTTPGraphQLRequest } from '@apollo/server';
import Negotiator from 'negotiator';
import { getOperationAST, GraphQLError, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { Answer } from './graphql-http.js';
import { executionVariables, refuseNullConditions } from './variables.js';
import { createRequestScope, type OperationContext, type ResponseContext, type Stage } from './pipeline.js';
import { resultChunks } from './serialize-result.js';

const DOCUMENTS = 1000;
// Bounds on what is remembered: the documents' text in all, and one document's.
const DOCUMENT_CHARACTERS = 8 * 1024 * 1024;
const LARGEST_DOCUMENT = 64 * 1024;
// The media types Apollo Server chooses from for a single result (`chooseContentTypeForSingleResultResponse`);
// the lane answers the first two and leaves the callback one (subscriptions) to Apollo Server.
const JSON_TYPE = 'application/json; charset=utf-8';
const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json; charset=utf-8';
const MEDIA_TYPES = [JSON_TYPE, GRAPHQL_RESPONSE_TYPE, 'application/json; callbackSpec=1.0; charset=utf-8'];
const negotiated = new Map<string, string | undefined>();

/** The content type Apollo Server would answer an `Accept` header with, if the lane can too. */
function contentTypeFor(accept: string | undefined): string | undefined {
  if (!accept) return JSON_TYPE;
  if (negotiated.has(accept)) return negotiated.get(accept);
  const chosen = new Negotiator({ headers: { accept } }).mediaType(MEDIA_TYPES);
  const type = chosen === JSON_TYPE || chosen === GRAPHQL_RESPONSE_TYPE ? chosen : undefined;
  if (negotiated.size >= 100) negotiated.clear(); // clients send a handful of distinct headers
  negotiated.set(accept, type);
  return type;
}

export interface CachedLaneOptions {
  /** The pipeline's stages, in order; the leading `pure` ones run before the cache is asked. */
  stages: Stage[];
  /** The response cache: would it answer this operation from its store now? */
  peek(rc: OperationContext): Promise<boolean>;
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  stringifyResult(result: Record<string, unknown>): string;
  /** The response data as bytes when the cache holds it so. */
  dataBytes(data: object): Buffer | undefined;
  /** The text Apollo Server's persisted query store holds for a hash, if any. */
  persistedQuery(sha256Hash: string): Promise<string | undefined>;
}

interface KnownDocument {
  query: string;
  document: DocumentNode;
  queryHash: string;
  /** Peeks in a row that found nothing, and how many requests to leave to Apollo Server before the next. */
  misses: number;
  skip: number;
}

type CachePolicy = GraphQLRequestContext<GatewayContext>['overallCachePolicy'];
type CacheHint = Parameters<CachePolicy['replace']>[0];

/** Apollo Server's cache policy (`newCachePolicy`, not exported by @apollo/server). */
class LaneCachePolicy implements CachePolicy {
  maxAge: number | undefined = undefined;
  scope: CachePolicy['scope'] = undefined;
  restrict(hint: CacheHint) {
    if (hint.maxAge !== undefined && (this.maxAge === undefined || hint.maxAge < this.maxAge)) this.maxAge = hint.maxAge;
    if (hint.scope !== undefined && this.scope !== 'PRIVATE') this.scope = hint.scope;
  }
  replace(hint: CacheHint) {
    if (hint.maxAge !== undefined) this.maxAge = hint.maxAge;
    if (hint.scope !== undefined) this.scope = hint.scope;
  }
  policyIfCacheable() {
    if (this.maxAge === undefined || this.maxAge === 0) return null;
    return { maxAge: this.maxAge, scope: this.scope ?? 'PUBLIC' };
  }
}

/** A request the lane may take: the query's text, or an automatic persisted query's hash alone. */
interface LaneRequest {
  query?: string;
  sha256Hash?: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  extensions?: Record<string, unknown>;
}

const FIELDS = new Set(['query', 'variables', 'operationName', 'extensions']);
// Extensions Apollo Server reads nothing from (Apollo Client names itself in `clientLibrary`).
const IGNORED_EXTENSIONS = new Set(['clientLibrary']);

/**
 * The GraphQL request in a body or a query string, when it has nothing Apollo Server would treat
 * specially: a query, or a persisted query's hash without its text (registering one, query and hash
 * together, stores it: Apollo Server does that), no unknown fields or extensions.
 */
function laneRequest(fields: Record<string, unknown>): LaneRequest | undefined {
  const { query, variables, operationName, extensions } = fields;
  if (Object.keys(fields).some((key) => !FIELDS.has(key))) return undefined;
  if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) return undefined;
  if (operationName != null && typeof operationName !== 'string') return undefined;
  if (extensions != null && (typeof extensions !== 'object' || Array.isArray(extensions))) return undefined;
  const common = { variables: (variables ?? undefined) as Record<string, unknown> | undefined, operationName: operationName ?? undefined };
  const { persistedQuery, ...other } = (extensions ?? {}) as { persistedQuery?: { version?: unknown; sha256Hash?: unknown } };
  if (Object.keys(other).some((key) => !IGNORED_EXTENSIONS.has(key))) return undefined;
  if (!persistedQuery) return typeof query === 'string' ? { query, ...common } : undefined;
  if (query != null || persistedQuery.version !== 1) return undefined;
  const { sha256Hash } = persistedQuery;
  return typeof sha256Hash === 'string' ? { sha256Hash, extensions: extensions as Record<string, unknown>, ...common } : undefined;
}

/** A JSON object in the query string; anything else (bad JSON, null, an array) Apollo Server refuses. */
function jsonParam(params: URLSearchParams, name: string): { value?: unknown } | undefined {
  const text = params.get(name);
  if (text === null) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? { value } : undefined;
  } catch {
    return undefined;
  }
}

/** A POST of JSON, or a GET that cannot be a cross-site request (Apollo Server's CSRF rule, narrowed). */
function readRequest({ method, body, headers, search }: HTTPGraphQLRequest): LaneRequest | undefined {
  const contentType = contentTypeFor(headers.get('accept'));
  if (!contentType) return undefined;
  const json = /^application\/json\s*(;|$)/i.test(headers.get('content-type') ?? '');
  if (method === 'POST') {
    if (!json || !body || typeof body !== 'object' || Array.isArray(body)) return undefined;
    return laneRequest(body as Record<string, unknown>);
  }
  if (method !== 'GET') return undefined;
  const preflighted = json || !!headers.get('apollo-require-preflight') || !!headers.get('x-apollo-operation-name');
  if (!preflighted || (headers.get('content-type') !== undefined && !json)) return undefined;
  const params = new URLSearchParams(search);
  const fields: Record<string, unknown> = {};
  for (const key of new Set(params.keys())) {
    if (params.getAll(key).length > 1) return undefined;
    fields[key] = params.get(key);
  }
  for (const name of ['variables', 'extensions']) {
    const parsed = jsonParam(params, name);
    if (!parsed) return undefined;
    if (name in fields) fields[name] = parsed.value;
  }
  return laneRequest(fields);
}

/**
 * Answers from the response cache without Apollo Server's request pipeline: parsing, validation and
 * plugin dispatch cost more than the answer itself. It takes only documents Apollo Server has already
 * parsed and validated against the current schema (as text, or as a persisted query's hash, by POST
 * or GET), runs the same stages (authorization, rate limits, cost, cache) with the same hooks, and
 * answers only when the cache holds the answer; anything else goes to Apollo Server untouched.
 */
export function createCachedLane(options: CachedLaneOptions) {
  const { stages, peek } = options;
  const firstEffect = stages.findIndex((stage) => !stage.pure);
  const pureStages = firstEffect === -1 ? stages : stages.slice(0, firstEffect);
  const otherStages = firstEffect === -1 ? [] : stages.slice(firstEffect);
  let documents = new Map<string, KnownDocument>();
  // The same documents by Apollo Server's query hash: the sha-256 a persisted query is asked by.
  let byHash = new Map<string, KnownDocument>();
  let characters = 0;
  // The schema Apollo Server validates against now; documents validated against another are not taken.
  let schema: GraphQLSchema | undefined;

  function write(rc: ResponseContext): Answer {
    const { response } = rc;
    const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
    const report = rc.contextValue.report;
    for (const error of result?.errors ?? []) report.errorCodes.push(String(error.extensions?.code ?? 'UNKNOWN'));
    const headers = response.http.headers;
    headers.set('content-type', contentTypeFor(rc.request.http?.headers.get('accept'))!);
    const ordered = { errors: result?.errors, data: result?.data, extensions: result?.extensions };
    const status = response.http.status ?? 200;
    const chunks = resultChunks(ordered, ordered.data ? options.dataBytes(ordered.data) : undefined);
    if (chunks) return { status, headers, chunks };
    return { status, headers, body: { kind: 'complete', string: options.stringifyResult(ordered) } };
  }

  /** A stage refused the request after one with effects ran: answer as Apollo Server would. */
  function refused(error: unknown, rc: ResponseContext): void {
    const graphqlError = error instanceof GraphQLError ? error : new GraphQLError((error as Error).message, { originalError: error as Error });
    const { http, ...extensions } = graphqlError.extensions as { http?: { status?: number; headers?: Map<string, string> } } & Record<string, unknown>;
    const formatted = options.formatError({ ...graphqlError.toJSON(), extensions: { ...extensions, code: extensions.code ?? 'INTERNAL_SERVER_ERROR' } }, graphqlError);
    rc.response.http.status = http?.status ?? 500;
    for (const [key, value] of http?.headers ?? []) rc.response.http.headers.set(key, value);
    rc.response.body = { kind: 'single', singleResult: { errors: [formatted] } };
  }

  return {
    /** Remembers an operation Apollo Server parsed and validated (call before any stage changes it). */
    remember(rc: OperationContext): void {
      // A persisted query asked by hash alone has its text in `source` (Apollo Server found it).
      const query = rc.request.query ?? rc.source;
      if (query === undefined || query.length > LARGEST_DOCUMENT || rc.schema !== schema) return;
      let known = documents.get(query);
      if (!known) {
        while (documents.size && (documents.size >= DOCUMENTS || characters + query.length > DOCUMENT_CHARACTERS)) {
          const oldest = documents.keys().next().value as string;
          byHash.delete(documents.get(oldest)!.queryHash);
          documents.delete(oldest);
          characters -= oldest.length;
        }
        known = { query, document: rc.document, queryHash: rc.queryHash, misses: 0, skip: 0 };
        documents.set(query, known);
        characters += query.length;
      }
      // Asked for by hash alone once Apollo Server took it as a persisted query; the lane still checks the
      // store holds it (a refused registration is not stored, and the store forgets), so a hash Apollo
      // Server would answer PERSISTED_QUERY_NOT_FOUND for stays its to answer.
      if (rc.request.extensions?.persistedQuery) byHash.set(known.queryHash, known);
    },
    /** A new supergraph: documents validated against the old one are forgotten. */
    reset(current: GraphQLSchema): void {
      schema = current;
      documents = new Map();
      byHash = new Map();
      characters = 0;
    },
    /** The answer from the cache, or undefined: then Apollo Server takes the request. */
    async answer(http: HTTPGraphQLRequest, contextValue: GatewayContext): Promise<Answer | undefined> {
      const request = readRequest(http);
      const known = request && (request.query !== undefined ? documents.get(request.query) : byHash.get(request.sha256Hash!));
      if (!request || !known || !schema) return undefined;
      if (request.sha256Hash !== undefined && (await options.persistedQuery(request.sha256Hash).catch(() => undefined)) !== known.query) return undefined;
      // A document the cache keeps not holding is mostly left to Apollo Server (the pure stages would
      // otherwise run twice, policies included): after n misses in a row, the next 2^n - 1 requests.
      if (known.skip > 0) {
        known.skip--;
        return undefined;
      }
      const operation = getOperationAST(known.document, request.operationName);
      if (!operation || operation.operation !== 'query') return undefined;

      const overallCachePolicy = new LaneCachePolicy();
      const rc = {
        source: known.query,
        document: known.document,
        operation,
        operationName: operation.name?.value ?? null,
        queryHash: known.queryHash,
        schema,
        request: {
          query: known.query,
          variables: request.variables,
          operationName: request.operationName,
          ...(request.extensions ? { extensions: request.extensions } : {}),
          http: { method: http.method, headers: http.headers, search: http.search, body: http.body },
        },
        contextValue,
        overallCachePolicy,
        response: { http: { status: undefined, headers: new HeaderMap() } },
      } as unknown as OperationContext;
      contextValue.variables = executionVariables(schema, operation, request.variables);
      const hooks = createRequestScope();
      try {
        refuseNullConditions(known.document, contextValue.variables);
        for (const stage of pureStages) await stage.operation(rc, hooks.scope);
        if (!(await peek(rc))) {
          known.misses = Math.min(known.misses + 1, 6);
          known.skip = 2 ** known.misses - 1;
          return undefined;
        }
        known.misses = 0;
      } catch {
        // A refusal by a stage without effects: Apollo Server refuses it again, in its own words.
        return undefined;
      }

      contextValue.report.lane = 'cached';
      contextValue.report.operationName = rc.operationName;
      contextValue.report.operationType = operation.operation;
      const responseContext = rc as unknown as ResponseContext;
      try {
        for (const stage of otherStages) await stage.operation(rc, hooks.scope);
        const response = await hooks.respond();
        // The cache peeked an entry and its stage serves that one: an answer is certain here.
        if (!response) throw new Error('the response cache did not answer a peeked hit');
        for (const [key, value] of response.http?.headers ?? []) responseContext.response.http.headers.set(key, value);
        responseContext.response.http.status = response.http?.status ?? 200;
        responseContext.response.body = response.body;
      } catch (error) {
        refused(error, responseContext);
      }
      await hooks.beforeResponse(responseContext);
      return write(responseContext);
    },
  };
}

export type CachedLane = ReturnType<typeof createCachedLane>;
