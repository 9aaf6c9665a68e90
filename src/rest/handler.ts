import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import type { GatewayContext } from '../context.js';
import { HttpError } from '../server/graphql-http.js';
import type { OperationOutcome, RunOperation } from '../server/run-operation.js';
import { sendProblem, problemFromErrors, type Problem } from './problem.js';
import { matchRoute, type Route } from './route-map.js';
import { restVariables } from './variables.js';

export interface RestRouteOptions {
  routes: Route[];
  /** Where the routes live, e.g. `/api`; paths given to the handler are under it. */
  prefix: string;
  /** The one pipeline (src/server/run-operation.ts): every concern runs there, once. */
  runOperation: RunOperation;
  /** Who is calling (token, API key); throws an HttpError to refuse. */
  createContext: (req: IncomingMessage) => Promise<GatewayContext>;
  /** The API schema the variables are read against; undefined until a supergraph is loaded. */
  schema: () => GraphQLSchema | undefined;
  /** The request body as text, within the server's body limit (throws HttpError 413 past it). */
  readBody: (req: IncomingMessage) => Promise<string>;
  /** Told of each request refused before its operation ran (bad token or key, bad body...). */
  onRefused?: (req: IncomingMessage, error: HttpError) => void;
}

const HEADERS_NOT_PASSED = new Set(['content-type', 'content-length']);

function requestHeaders(req: IncomingMessage): Map<string, string> {
  const headers = new Map<string, string>();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

function outcomeHeaders(outcome: OperationOutcome): Array<[string, string]> {
  return [...outcome.headers].filter(([key]) => !HEADERS_NOT_PASSED.has(key.toLowerCase()));
}

/** A strong validator from the bytes of the body. */
function etagOf(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/** If-None-Match (RFC 9110 13.1.2): a weak comparison against any listed tag, or `*`. */
function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** `/todos/{id}` filled from the answer's fields; undefined when one is missing. */
function fillLocation(template: string, value: unknown): string | undefined {
  const fields = (value ?? {}) as Record<string, unknown>;
  let missing = false;
  const path = template.replace(/\{([^}]*)\}/g, (_, name: string) => {
    const field = fields[name];
    if (typeof field !== 'string' && typeof field !== 'number') missing = true;
    return encodeURIComponent(String(field));
  });
  return missing ? undefined : path;
}

async function readJson(req: IncomingMessage, readBody: RestRouteOptions['readBody']): Promise<unknown> {
  const text = await readBody(req);
  if (text.trim() === '') return undefined;
  if (!/\bjson\b/i.test(req.headers['content-type'] ?? '')) {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'The request body must be JSON (content-type: application/json)');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'Request body is not valid JSON');
  }
}

/**
 * REST routes over named operations: reads the variables from the path, query string and JSON body,
 * runs the operation through the one pipeline, and answers as a REST client expects (the root field's
 * value, 201 + Location, 204, ETag and 304 on GET, RFC 9457 problems with the status of the error code).
 */
export function createRestRoutes(options: RestRouteOptions) {
  const { routes, prefix, runOperation, createContext, schema, readBody, onRefused } = options;

  async function answer(req: IncomingMessage, res: ServerResponse, route: Route, params: Record<string, string>, search: string) {
    const context = await createContext(req);
    const body = route.method === 'GET' || (route.method === 'DELETE' && !req.headers['content-length']) ? undefined : await readJson(req, readBody);
    const current = schema();
    if (!current) throw new HttpError(503, 'SERVICE_UNAVAILABLE', 'No supergraph is loaded yet');
    const read = restVariables(route, current, { path: params, query: new URLSearchParams(search), body });
    if ('invalid' in read) {
      const [first] = read.invalid;
      context.report.errorCodes.push('BAD_USER_INPUT');
      return sendProblem(res, {
        status: 400,
        code: 'BAD_USER_INPUT',
        detail: `${first.in === 'body' && first.name === 'body' ? 'The body' : `Parameter ${first.name}`}${first.reason.startsWith('is ') ? ' ' : ': '}${first.reason}`,
        'invalid-params': read.invalid,
      });
    }
    const outcome = await runOperation({
      entry: 'rest',
      query: route.operation.body,
      operationName: route.operation.name,
      variables: read.variables,
      headers: requestHeaders(req),
      context,
    });
    const headers = outcomeHeaders(outcome);
    const { data, errors } = outcome.result;
    const anonymous = !context.caller.authenticated && !context.apiKey;
    if (errors?.length) return sendProblem(res, problemFromErrors(errors, anonymous, outcome.status), headers);
    if (!data) return sendProblem(res, { status: 502, code: 'INTERNAL_SERVER_ERROR', detail: 'The operation answered no data' }, headers);
    const value = route.rootKey === undefined ? data : data[route.rootKey];
    if (value === null || value === undefined) {
      const problem: Problem = anonymous
        ? { status: 401, code: 'UNAUTHENTICATED', detail: 'This resource needs a token or an API key' }
        : { status: 404, code: 'NOT_FOUND', detail: `Nothing at ${prefix}${route.path}` };
      return sendProblem(res, problem, headers);
    }
    for (const [key, headerValue] of headers) res.setHeader(key, headerValue);
    if (route.status === 204) {
      res.statusCode = 204;
      return res.end();
    }
    const text = JSON.stringify(value);
    res.setHeader('content-type', 'application/json; charset=utf-8');
    if (route.method === 'GET') {
      const etag = etagOf(text);
      res.setHeader('etag', etag);
      if (notModified(req.headers['if-none-match'], etag)) {
        res.statusCode = 304;
        res.removeHeader('content-type');
        return res.end();
      }
    }
    if (route.status === 201 && route.location) {
      const location = fillLocation(route.location, value);
      if (location) res.setHeader('location', `${prefix}${location}`);
    }
    res.statusCode = route.status;
    res.setHeader('content-length', Buffer.byteLength(text));
    res.end(req.method === 'HEAD' ? undefined : text);
  }

  /** Answers a request whose path is under the prefix; false when no route has that path. */
  return async (
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    search: string,
    /** Told of each request a route answers, before anything else (request log, metrics): `GET /api/todos/{id}`. */
    onRoute?: (req: IncomingMessage, res: ServerResponse, route: string) => void,
  ): Promise<boolean> => {
    const found = matchRoute(routes, req.method ?? 'GET', path.slice(prefix.length) || '/');
    if (!found) return false;
    onRoute?.(req, res, 'route' in found ? `${found.route.method} ${prefix}${found.route.path}` : `${req.method} ${path}`);
    if ('allowed' in found) {
      const allow = [...new Set(found.allowed.includes('GET') ? [...found.allowed, 'HEAD'] : found.allowed)].join(', ');
      sendProblem(res, { status: 405, code: 'METHOD_NOT_ALLOWED', detail: `${req.method} is not served at ${path}; use ${allow}` }, [['allow', allow]]);
      return true;
    }
    try {
      await answer(req, res, found.route, found.params, search);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      onRefused?.(req, error);
      sendProblem(res, { status: error.status, code: error.code, detail: error.message }, Object.entries(error.headers));
    }
    return true;
  };
}
