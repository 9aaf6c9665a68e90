import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator } from '../auth/authenticate.js';
import { HttpError, sendError } from '../server/graphql-http.js';
import { totalOf, usageRange, type UsageStore } from './usage.js';

const CLIENT_LENGTH = 512;

/** Whose usage a query names: `key=<id>` (an API key, client `key:<id>`) or `client=<client>` (`sub:alice`). */
function clientOf(params: URLSearchParams): { key?: string; client: string } {
  const key = params.get('key');
  const client = params.get('client');
  if (key && client) throw new HttpError(400, 'BAD_USER_INPUT', 'Give either "key" or "client", not both');
  const named = key ? `key:${key}` : client;
  if (!named) throw new HttpError(400, 'BAD_USER_INPUT', 'Give "key=<API key id>" or "client=<client>" (e.g. sub:alice)');
  if (named.length > CLIENT_LENGTH) throw new HttpError(400, 'BAD_USER_INPUT', `"key" or "client" is longer than ${CLIENT_LENGTH} characters`);
  return key ? { key, client: named } : { client: named };
}

/**
 * `GET /admin/usage?key=<id>&from=YYYY-MM-DD&to=YYYY-MM-DD` for operators, with a token holding the
 * usage scope: `{ key, client, from, to, days: [{ date, requests, points, throttled, refused }], total }`,
 * every day of the range (30 days to today by default, at most 366).
 */
export function createUsageHandler(store: UsageStore | undefined, authenticator: Authenticator, scope: string, now: () => number = Date.now) {
  return async (req: IncomingMessage, res: ServerResponse, search: string): Promise<void> => {
    try {
      if (req.method !== 'GET') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'Use GET', { allow: 'GET' });
      const caller = await authenticator.authenticate(req.headers.authorization);
      if (!caller.authenticated) throw new HttpError(401, 'UNAUTHENTICATED', 'A token is required');
      if (!caller.scopes.includes(scope)) throw new HttpError(403, 'FORBIDDEN', `Usage needs the "${scope}" scope`);
      if (!store) throw new HttpError(404, 'NOT_FOUND', 'Usage is not counted (usage.enabled is off)');
      const params = new URLSearchParams(search);
      const who = clientOf(params);
      const range = usageRange(params.get('from') ?? undefined, params.get('to') ?? undefined, now());
      if ('error' in range) throw new HttpError(400, 'BAD_USER_INPUT', range.error);
      let days;
      try {
        days = await store.read(who.client, range.from, range.to);
      } catch {
        throw new HttpError(503, 'SERVICE_UNAVAILABLE', 'Usage store unavailable');
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ ...who, ...range, days, total: totalOf(days) }));
    } catch (error) {
      sendError(res, error instanceof HttpError ? error : new HttpError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error'));
    }
  };
}
