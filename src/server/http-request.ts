import type { HTTPGraphQLRequest } from '@apollo/server';
import Negotiator from 'negotiator';

// The media types Apollo Server chooses from for a single result (`chooseContentTypeForSingleResultResponse`);
// Portico answers the first two and leaves the callback one (subscriptions) to Apollo Server.
export const JSON_TYPE = 'application/json; charset=utf-8';
const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json; charset=utf-8';
const MEDIA_TYPES = [JSON_TYPE, GRAPHQL_RESPONSE_TYPE, 'application/json; callbackSpec=1.0; charset=utf-8'];

/** A request Portico reads itself: the query's text, or an automatic persisted query's hash alone. */
export interface GraphQLRequestFields {
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
function requestFields(fields: Record<string, unknown>): GraphQLRequestFields | undefined {
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
function readFields({ method, body, headers, search }: HTTPGraphQLRequest): GraphQLRequestFields | undefined {
  const json = /^application\/json\s*(;|$)/i.test(headers.get('content-type') ?? '');
  if (method === 'POST') {
    if (!json || !body || typeof body !== 'object' || Array.isArray(body)) return undefined;
    return requestFields(body as Record<string, unknown>);
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
  return requestFields(fields);
}


/**
 * Reads GraphQL requests over HTTP as Apollo Server does, for the requests Portico answers itself: a
 * JSON POST or a preflighted GET, with a query or a persisted query's hash, answered in JSON. Anything
 * else (undefined) is Apollo Server's to read, refuse or answer.
 */
export function createRequestReader() {
  // Clients send a handful of distinct Accept headers: each is negotiated once.
  const negotiated = new Map<string, string | undefined>();
  /** The content type Apollo Server would answer an `Accept` header with, if Portico can too. */
  function contentTypeFor(accept: string | undefined): string | undefined {
    if (!accept) return JSON_TYPE;
    if (negotiated.has(accept)) return negotiated.get(accept);
    const chosen = new Negotiator({ headers: { accept } }).mediaType(MEDIA_TYPES);
    const type = chosen === JSON_TYPE || chosen === GRAPHQL_RESPONSE_TYPE ? chosen : undefined;
    if (negotiated.size >= 100) negotiated.clear();
    negotiated.set(accept, type);
    return type;
  }
  return (http: HTTPGraphQLRequest): { fields: GraphQLRequestFields; contentType: string } | undefined => {
    const contentType = contentTypeFor(http.headers.get('accept'));
    const fields = contentType ? readFields(http) : undefined;
    return fields && contentType ? { fields, contentType } : undefined;
  };
}
