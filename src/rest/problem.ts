import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { GraphQLFormattedError } from 'graphql';

/** An RFC 9457 problem: `code` is the GraphQL `extensions.code` it stands for. */
export interface Problem {
  status: number;
  code: string;
  detail: string;
  /** Extension members: `invalid-params`, `errors` (the GraphQL errors), `quota`, ... */
  [member: string]: unknown;
}

/** The HTTP status a REST client gets for an error code (GraphQL answers some of them with 200). */
const STATUS_BY_CODE: Record<string, number> = {
  BAD_REQUEST: 400,
  BAD_USER_INPUT: 400,
  COST_ESTIMATED_TOO_EXPENSIVE: 400,
  RATE_LIMIT_EXCEEDED: 400,
  MAX_DEPTH_EXCEEDED: 400,
  MAX_ALIASES_EXCEEDED: 400,
  MAX_DIRECTIVES_EXCEEDED: 400,
  MAX_TOKENS_EXCEEDED: 400,
  UNAUTHENTICATED: 401,
  INVALID_API_KEY: 401,
  FORBIDDEN: 403,
  UNAUTHORIZED_FIELD_OR_TYPE: 403,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  THROTTLED: 429,
  QUOTA_EXCEEDED: 429,
  SUBGRAPH_UNAVAILABLE: 502,
  SERVICE_UNAVAILABLE: 503,
  // The route's own operation does not parse or validate against the supergraph: not the client's doing.
  GRAPHQL_PARSE_FAILED: 500,
  GRAPHQL_VALIDATION_FAILED: 500,
  INTERNAL_SERVER_ERROR: 500,
};

/**
 * The status of a failed operation, from its first error's code: an anonymous caller refused a field
 * gets 401 (a token would help), a subgraph whose circuit is open 503, one that timed out 504.
 * `fallback` is the pipeline's own status, used for a code not listed when it is an error status.
 */
export function statusFor(error: GraphQLFormattedError, anonymous: boolean, fallback: number): number {
  const code = String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
  if (code === 'UNAUTHORIZED_FIELD_OR_TYPE' && anonymous) return 401;
  if (code === 'SUBGRAPH_UNAVAILABLE') {
    if (error.message.includes('(CIRCUIT_OPEN)')) return 503;
    if (error.message.includes('did not answer within')) return 504;
  }
  return STATUS_BY_CODE[code] ?? (fallback >= 400 ? fallback : 500);
}

/** The problem for an operation's errors: the first one's code and message; all of them under `errors`. */
export function problemFromErrors(errors: readonly GraphQLFormattedError[], anonymous: boolean, fallback: number): Problem {
  const [first] = errors;
  const code = String(first.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
  const extra: Record<string, unknown> = {};
  // Details a client acts on (a quota's reset time, a cost estimate) stay in the problem.
  for (const key of ['quota', 'cost', 'retryAfter', 'serviceName'] as const) {
    if (first.extensions?.[key] !== undefined) extra[key] = first.extensions[key];
  }
  return {
    status: statusFor(first, anonymous, fallback),
    code,
    detail: first.message,
    ...extra,
    errors: errors.map(({ message, path, extensions }) => ({ message, ...(path ? { path } : {}), code: extensions?.code })),
  };
}

/** Writes a problem as `application/problem+json` (`type` about:blank, `title` the status phrase). */
export function sendProblem(res: ServerResponse, problem: Problem, headers: Iterable<[string, string]> = []): void {
  const { status, code, detail, ...members } = problem;
  const body = JSON.stringify({ type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail, code, ...members });
  for (const [key, value] of headers) res.setHeader(key, value);
  res.statusCode = status;
  res.setHeader('content-type', 'application/problem+json');
  if (!res.hasHeader('cache-control')) res.setHeader('cache-control', 'no-store');
  res.end(body);
}
