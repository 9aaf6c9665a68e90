import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FormattedExecutionResult, GraphQLError, GraphQLFormattedError } from 'graphql';
import type { GatewayContext } from '../context.js';
import { HttpError, parseBody, sendError } from '../server/graphql-http.js';
import type { Stream } from './stream.js';

const STATUS_BY_CODE: Record<string, number> = {
  UNAUTHENTICATED: 401,
  INVALID_API_KEY: 401,
  UNAUTHORIZED_FIELD_OR_TYPE: 403,
  FORBIDDEN: 403,
  THROTTLED: 429,
  QUOTA_EXCEEDED: 429,
  TOO_MANY_SUBSCRIPTIONS: 429,
  SERVICE_UNAVAILABLE: 503,
  SUBGRAPH_UNAVAILABLE: 502,
  INTERNAL_SERVER_ERROR: 500,
};

/** The HTTP status of a refusal: the one its error carries (a plugin's), else by its code; the client's error otherwise. */
function refusalStatus(error: GraphQLError): number {
  const http = error.extensions.http as { status?: number } | undefined;
  if (typeof http?.status === 'number') return http.status;
  return STATUS_BY_CODE[String(error.extensions.code)] ?? 400;
}

/** The media type Apollo Client asks for (and Apollo Router answers) for subscriptions over HTTP. */
export const MULTIPART_TYPE = 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"';
const BOUNDARY = '\r\n--graphql';
const HEARTBEAT_MS = 5000;

/** Whether a request asks for a multipart subscription (its Accept names the subscription spec). */
export const wantsMultipartSubscription = (req: IncomingMessage): boolean =>
  req.method === 'POST' && /multipart\/mixed[^,]*subscriptionSpec/i.test(req.headers.accept ?? '');

type Handle = { close(code: number, reason: string): void };

export interface MultipartOptions<C extends Handle> {
  maxBodyBytes: number;
  createContext(req: IncomingMessage): Promise<GatewayContext>;
  openConnection(id: string, base: GatewayContext, close: C['close']): C;
  closeConnection(connection: C): void;
  startSubscription(
    connection: C,
    id: string,
    payload: { query?: unknown; operationName?: string | null; variables?: Record<string, unknown> | null },
    headers: IncomingMessage['headers'],
    entry: 'http',
  ): Promise<GraphQLError[] | { stream: Stream }>;
}

const part = (body: unknown) => `${BOUNDARY}\r\ncontent-type: application/json; charset=utf-8\r\n\r\n${JSON.stringify(body)}`;

/**
 * HTTP multipart subscriptions (Apollo's `subscriptionSpec="1.0"`): one response per subscription,
 * each event a part `{ "payload": result }`, a heartbeat part `{}` every 5 s, an ending error as
 * `{ "payload": null, "errors": [...] }`. A refusal before it starts is a plain JSON answer.
 */
export function createMultipartHandler<C extends Handle>(options: MultipartOptions<C>) {
  const open = new Set<ServerResponse>();
  return {
    async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
      let body: unknown;
      let base: GatewayContext;
      try {
        // A JSON body only: no CORS-simple content type (Apollo Server's CSRF rule), so no other site's page can open one.
        if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
          req.resume();
          throw new HttpError(415, 'BAD_REQUEST', 'A subscription over HTTP is a POST of application/json');
        }
        body = await parseBody(req, options.maxBodyBytes);
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'BAD_REQUEST', 'A subscription is a JSON object with a query');
        base = await options.createContext(req);
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        return sendError(res, error);
      }
      let finished = false;
      const finish = (last?: string) => {
        if (finished) return;
        finished = true;
        open.delete(res);
        clearInterval(heartbeat);
        if (res.headersSent && !res.writableEnded) res.end(`${last ?? ''}${BOUNDARY}--\r\n`);
      };
      const connection = options.openConnection(`http-${randomUUID()}`, base, (code, reason) => {
        if (!res.headersSent) return;
        // Ended from the server's side (a slow reader, shutdown): the reason, as the WebSocket's close, in the last part.
        finish(part({ payload: null, errors: [{ message: reason, extensions: { code: 'SUBSCRIPTION_CLOSED', closeCode: code } }] }));
      });
      let heartbeat: NodeJS.Timeout | undefined;
      let stream: Stream | undefined;
      try {
        const started = await options.startSubscription(connection, '1', body as Record<string, never>, req.headers, 'http');
        if (Array.isArray(started)) {
          // Refused before it started: a plain GraphQL answer with the status of its first error.
          const errors = started.map((e) => {
            const { http: _http, ...extensions } = e.extensions as Record<string, unknown>;
            return { ...e.toJSON(), extensions };
          });
          res.writeHead(refusalStatus(started[0]), { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify({ errors }));
          return;
        }
        stream = started.stream;
        res.writeHead(200, { 'content-type': MULTIPART_TYPE, 'cache-control': 'no-store' });
        res.write(part({}));
        open.add(res);
        heartbeat = setInterval(() => res.write(part({})), HEARTBEAT_MS);
        const events = stream.start();
        res.once('close', () => void events.return?.());
        try {
          for await (const event of events) {
            if (!res.write(part({ payload: event as FormattedExecutionResult }))) await Promise.race([once(res, 'drain'), once(res, 'close')]);
          }
          finish();
        } catch (error) {
          finish(part({ payload: null, errors: [(error as GraphQLError).toJSON?.() ?? ({ message: 'Internal server error' } as GraphQLFormattedError)] }));
        }
      } finally {
        finish();
        options.closeConnection(connection);
      }
    },
    /** Ends every multipart response (shutdown). */
    close(): void {
      for (const res of [...open]) res.end(`${part({ payload: null, errors: [{ message: 'Server shutting down', extensions: { code: 'SUBSCRIPTION_CLOSED', closeCode: 1001 } }] })}${BOUNDARY}--\r\n`);
      open.clear();
    },
  };
}
