import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Authenticator } from '../auth/authenticate.js';
import { HttpError, sendError } from '../server/graphql-http.js';
import type { ApiKeyRecord } from './api-key.js';
import { ApiKeyError, type ApiKeys } from './manager.js';
import { ApiKeyStoreError } from './store-errors.js';

const createBody = z
  .object({ plan: z.string(), name: z.string().optional(), expiresInSeconds: z.number().optional() })
  .strict();
const rotateBody = z.object({ graceSeconds: z.number().optional() }).strict();

const ROUTE = /^\/admin\/keys(?:\/([^/]+)(?:\/(revoke|rotate))?)?\/?$/;

async function readJson(req: IncomingMessage, required: boolean): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 16 * 1024) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') {
    if (required) throw new HttpError(400, 'BAD_USER_INPUT', 'Expected a JSON body');
    return {};
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'Request body is not valid JSON');
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, expected: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new HttpError(400, 'BAD_USER_INPUT', `Expected ${expected}`);
  return result.data;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  // Answers may hold a new key: never stored by a cache on the way.
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

function methodNot(allowed: string): HttpError {
  return new HttpError(405, 'METHOD_NOT_ALLOWED', `Use ${allowed}`, { allow: allowed });
}

/**
 * `/admin/keys` for operators, with a token holding the admin scope (`apiKeys.adminScope`):
 * `GET /admin/keys`, `POST /admin/keys` `{plan, name?, expiresInSeconds?}` (201, the key shown once),
 * `GET /admin/keys/<id>`, `POST /admin/keys/<id>/revoke`, `POST /admin/keys/<id>/rotate` `{graceSeconds?}`.
 * Answers name keys by id; only create and rotate answers hold a key, and never a hash.
 */
export function createKeysAdminHandler(keys: ApiKeys, authenticator: Authenticator, scope: string, logger: Logger) {
  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    try {
      const match = ROUTE.exec(path);
      if (!match) throw new HttpError(404, 'NOT_FOUND', `No route for ${path.slice(0, 200)}`);
      const caller = await authenticator.authenticate(req.headers.authorization);
      if (!caller.authenticated) throw new HttpError(401, 'UNAUTHENTICATED', 'A token is required', { 'www-authenticate': 'Bearer' });
      if (!caller.scopes.includes(scope)) throw new HttpError(403, 'FORBIDDEN', `Managing API keys needs the "${scope}" scope`);
      const [, rawId, action] = match;
      let id: string | undefined;
      try {
        id = rawId === undefined ? undefined : decodeURIComponent(rawId);
      } catch {
        throw new HttpError(400, 'BAD_REQUEST', 'Malformed key id');
      }
      const by = caller.sub;
      const withKey = (key: string, record: ApiKeyRecord) => ({ key, ...keys.describe(record) });

      if (id === undefined) {
        if (req.method === 'GET') {
          const records = (await keys.list()).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
          return send(res, 200, { keys: records.map((r) => keys.describe(r)) });
        }
        if (req.method !== 'POST') throw methodNot('GET, POST');
        const input = parse(createBody, await readJson(req, true), '{"plan": "…", "name"?: "…", "expiresInSeconds"?: n}');
        const { key, record } = await keys.create(input);
        logger.info({ keyId: record.id, plan: record.plan, by }, 'api key created');
        return send(res, 201, withKey(key, record), { location: `/admin/keys/${record.id}` });
      }
      if (action === undefined) {
        if (req.method !== 'GET') throw methodNot('GET');
        const record = await keys.get(id);
        if (!record) throw new ApiKeyError(404, 'KEY_NOT_FOUND', `No API key with id ${JSON.stringify(id.slice(0, 128))}`);
        return send(res, 200, keys.describe(record));
      }
      if (req.method !== 'POST') throw methodNot('POST');
      if (action === 'revoke') {
        await readJson(req, false);
        const record = await keys.revoke(id);
        logger.info({ keyId: id, by }, 'api key revoked');
        return send(res, 200, keys.describe(record));
      }
      const { graceSeconds } = parse(rotateBody, await readJson(req, false), '{"graceSeconds"?: n}');
      const { key, record } = await keys.rotate(id, graceSeconds);
      logger.info({ keyId: id, by, previousValidUntil: record.previous?.validUntil }, 'api key rotated');
      return send(res, 200, withKey(key, record));
    } catch (error) {
      if (error instanceof HttpError) return sendError(res, error);
      if (error instanceof ApiKeyError) return sendError(res, new HttpError(error.status, error.code, error.message));
      if (error instanceof ApiKeyStoreError) {
        const cause = error.cause instanceof Error ? error.cause.message : undefined;
        logger.error({ problem: error.message, ...(cause ? { cause } : {}) }, 'api key store unavailable');
        return sendError(res, new HttpError(503, 'SERVICE_UNAVAILABLE', 'API key store unavailable'));
      }
      throw error;
    }
  };
}
