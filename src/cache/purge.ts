import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Authenticator } from '../auth/authenticate.js';
import { HttpError, sendError } from '../server/graphql-http.js';
import type { ResponseCacheStore } from './store.js';

const request = z.union([
  z.object({ all: z.literal(true) }).strict(),
  z.object({ type: z.string().min(1) }).strict(),
  z.object({ type: z.string().min(1), key: z.record(z.string(), z.union([z.string(), z.number()])) }).strict(),
]);

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', 'Purge request too large');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'Request body is not valid JSON');
  }
}

/**
 * `POST /admin/cache/purge` for operators, with a token holding the purge scope:
 * `{"all": true}`, `{"type": "Todo"}` or `{"type": "Todo", "key": {"id": "…"}}`. Answers `{"evicted": n}`.
 */
export function createPurgeHandler(store: ResponseCacheStore, authenticator: Authenticator, purgeScope: string) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      if (req.method !== 'POST') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'Use POST', { allow: 'POST' });
      const caller = await authenticator.authenticate(req.headers.authorization);
      if (!caller.authenticated) throw new HttpError(401, 'UNAUTHENTICATED', 'A token is required');
      if (!caller.scopes.includes(purgeScope)) throw new HttpError(403, 'FORBIDDEN', `Purging needs the "${purgeScope}" scope`);
      const parsed = request.safeParse(await readJson(req));
      if (!parsed.success) throw new HttpError(400, 'BAD_USER_INPUT', 'Expected {"all": true}, {"type": "T"} or {"type": "T", "key": {...}}');
      const body = parsed.data;
      let evicted: number;
      if ('all' in body) {
        await store.clear();
        evicted = -1;
      } else if ('key' in body) {
        // Tags hold key values as strings (see takeEntityTags).
        const key = Object.fromEntries(Object.entries(body.key).map(([field, value]) => [field, String(value)]));
        evicted = await store.evict([`e:${body.type}:${JSON.stringify(key)}`]);
      } else {
        evicted = await store.evict([`type:${body.type}`, `l:${body.type}`, `t:${body.type}`]);
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(evicted < 0 ? { purged: 'all' } : { evicted }));
    } catch (error) {
      sendError(res, error instanceof HttpError ? error : new HttpError(503, 'SERVICE_UNAVAILABLE', 'Cache store unavailable'));
    }
  };
}
