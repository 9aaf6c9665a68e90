import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLRequest, type HTTPGraphQLResponse } from '@apollo/server';
import { checkHttpRequest, type DocumentFields, type TrustedDocumentCheck } from '../security/trusted-documents.js';
import { persistedQueryProblem } from './persisted-query-check.js';

/** An error answered before GraphQL execution, with its HTTP status and a stable `extensions.code`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface GraphQLHttpOptions<TContext extends BaseContext> {
  server: ApolloServer<TContext>;
  /** Builds the per-request context; throw an HttpError to refuse the request (e.g. 401). */
  context: (req: IncomingMessage) => Promise<TContext>;
  /** Largest accepted request body. Default 1 MiB. */
  maxBodyBytes?: number;
  /** May answer a request before Apollo Server sees it (Portico's own HTTP entry, http-entry.ts); undefined passes it on. */
  answerFirst?: (http: HTTPGraphQLRequest, context: TContext) => Promise<Answer | undefined>;
  /** Told of each request refused before GraphQL ran (bad body, bad token, ...). */
  onRefused?: (req: IncomingMessage, error: HttpError) => void;
  /** Trusted documents (src/security/trusted-documents.ts), checked on the body as read, before anything parses it. */
  checkDocument?: (fields: DocumentFields | undefined) => TrustedDocumentCheck;
}

/** An answer ready to write: Apollo Server's, or one already in bytes (a cached answer). */
export type Answer = HTTPGraphQLResponse | { status: number; headers: HeaderMap; chunks: Buffer[] };

export function sendError(res: ServerResponse, error: HttpError): void {
  const body = JSON.stringify({ errors: [{ message: error.message, extensions: { code: error.code } }] });
  res.writeHead(error.status, { 'content-type': 'application/json; charset=utf-8', ...error.headers });
  res.end(body);
}

function tooLarge(limit: number): HttpError {
  // The connection is closed after the answer: the rest of the body is read and dropped until then.
  return new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body is larger than ${limit} bytes`, { connection: 'close' });
}

export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      reject(tooLarge(limit));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size > limit) return;
      size += chunk.length;
      if (size > limit) {
        // Not destroyed here: that would cut the connection before the 413 is written.
        chunks.length = 0;
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function parseBody(req: IncomingMessage, limit: number): Promise<unknown> {
  if (req.method !== 'POST') return undefined;
  const text = await readBody(req, limit);
  const type = req.headers['content-type'] ?? '';
  if (!type.includes('json')) return text;
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'Request body is not valid JSON');
  }
}

/**
 * Serves an Apollo Server over node:http without a web framework: body limits,
 * JSON parsing and refusals happen here, everything GraphQL in Apollo Server.
 */
export function createGraphQLHandler<TContext extends BaseContext>(options: GraphQLHttpOptions<TContext>) {
  const { server, context, maxBodyBytes = 1024 * 1024, onRefused, answerFirst, checkDocument } = options;
  return async (req: IncomingMessage, res: ServerResponse, search: string): Promise<void> => {
    try {
      let body = await parseBody(req, maxBodyBytes);
      if (checkDocument) {
        const trusted = checkHttpRequest(checkDocument, req.method ?? 'GET', body, search);
        if ('refusal' in trusted) throw new HttpError(trusted.refusal.status, trusted.refusal.code, trusted.refusal.message);
        ({ body, search } = trusted);
      }
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
      }
      // Built before Apollo Server sees the request, so a refusal keeps its own status and code.
      const contextValue = await context(req);
      const httpGraphQLRequest = { method: req.method ?? 'GET', headers, search, body };
      const problem = persistedQueryProblem(httpGraphQLRequest);
      if (problem) throw new HttpError(400, problem.code, problem.message);
      const response =
        (await answerFirst?.(httpGraphQLRequest, contextValue)) ??
        (await server.executeHTTPGraphQLRequest({
          httpGraphQLRequest,
          context: async () => contextValue,
        }));
      res.statusCode = response.status ?? 200;
      for (const [key, value] of response.headers) res.setHeader(key, value);
      if ('chunks' in response) {
        res.setHeader('content-length', response.chunks.reduce((length, chunk) => length + chunk.length, 0));
        res.cork();
        for (const chunk of response.chunks) res.write(chunk);
        res.end();
        res.uncork();
      } else if (response.body.kind === 'complete') {
        // Bytes, not the string: Node encodes a string for the socket far more slowly than Buffer.from.
        res.end(Buffer.from(response.body.string));
      } else {
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
      }
    } catch (error) {
      if (error instanceof HttpError) {
        onRefused?.(req, error);
        sendError(res, error);
      } else if (!res.headersSent) {
        sendError(res, new HttpError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error'));
      } else {
        res.destroy();
      }
    }
  };
}
