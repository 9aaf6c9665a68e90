import { createHash } from 'node:crypto';
import type { HTTPGraphQLRequest } from '@apollo/server';

const SHA256_HEX = /^[0-9a-f]{64}$/;

function jsonParam(params: URLSearchParams, name: string): unknown {
  const text = params.get(name);
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // Apollo Server refuses it as BAD_REQUEST
  }
}

/** The `query` and `extensions` of a POST body or a GET query string, as Apollo Server will read them. */
function requestFields(http: HTTPGraphQLRequest): { query?: unknown; extensions?: unknown } {
  if (http.method === 'POST') {
    const { body } = http;
    return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  }
  const params = new URLSearchParams(http.search);
  return { query: params.get('query') ?? undefined, extensions: jsonParam(params, 'extensions') };
}

/** Why a request is refused with HTTP 400. */
export interface PersistedQueryProblem {
  code: 'PERSISTED_QUERY_HASH_INVALID' | 'PERSISTED_QUERY_VERSION_NOT_SUPPORTED' | 'PERSISTED_QUERY_HASH_MISMATCH';
  message: string;
}

const problem = (code: PersistedQueryProblem['code'], message: string): PersistedQueryProblem => ({ code, message });

/**
 * An automatic persisted query the client got wrong, to be refused with 400 and a code of its own before
 * Apollo Server sees it (which answers a mismatch or an unknown version with an uncoded error, read as
 * INTERNAL_SERVER_ERROR): a version other than 1, a hash that is not 64 lowercase hex digits, or a
 * query whose SHA-256 is not the hash sent with it. A well-formed unknown hash is Apollo Server's to
 * answer (PERSISTED_QUERY_NOT_FOUND, which tells the client to send the query).
 */
export function persistedQueryProblem(http: HTTPGraphQLRequest): PersistedQueryProblem | undefined {
  const { query, extensions } = requestFields(http);
  if (!extensions || typeof extensions !== 'object' || !('persistedQuery' in extensions)) return undefined;
  const persisted = (extensions as { persistedQuery: unknown }).persistedQuery;
  if (persisted == null) return undefined; // Apollo Server reads it as absent
  if (typeof persisted !== 'object') {
    return problem('PERSISTED_QUERY_HASH_INVALID', 'extensions.persistedQuery must be an object with version and sha256Hash');
  }
  const { version, sha256Hash } = persisted as { version?: unknown; sha256Hash?: unknown };
  if (version !== 1) return problem('PERSISTED_QUERY_VERSION_NOT_SUPPORTED', 'Unsupported persisted query version: only version 1 is supported');
  if (typeof sha256Hash !== 'string' || !SHA256_HEX.test(sha256Hash)) {
    return problem('PERSISTED_QUERY_HASH_INVALID', 'extensions.persistedQuery.sha256Hash must be a SHA-256 hash in 64 lowercase hex digits');
  }
  if (typeof query === 'string' && createHash('sha256').update(query).digest('hex') !== sha256Hash) {
    return problem('PERSISTED_QUERY_HASH_MISMATCH', 'extensions.persistedQuery.sha256Hash is not the SHA-256 hash of the query');
  }
  return undefined;
}
