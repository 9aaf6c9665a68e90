import type { IncomingMessage } from 'node:http';
import type { Caller } from '../auth/caller.js';
import { HttpError } from '../server/graphql-http.js';
import type { ApiKeys } from './manager.js';
import { ApiKeyStoreError } from './store-errors.js';

export interface RequestKeyOptions {
  /** The header clients send their key in (`cost.budgets.apiKeyHeader`). */
  header: string;
  /** Refuse a request that has neither a key nor a token (`apiKeys.required`). */
  required: boolean;
}

/**
 * The check of a request's API key, before anything else runs: an issued, active key gives its id
 * and plan; a key that is unknown, revoked or expired is refused with 401 INVALID_API_KEY, so a
 * made-up key buys no budget of its own and costs nobody anything. The key itself is never repeated
 * in the answer or a log.
 */
export function createRequestKeyCheck(apiKeys: ApiKeys, { header, required }: RequestKeyOptions) {
  return async (req: IncomingMessage, caller: Caller): Promise<{ id: string; plan: string } | undefined> => {
    const value = req.headers[header];
    const presented = Array.isArray(value) ? value[0] : value;
    if (presented === undefined || presented === '') {
      if (required && !caller.authenticated) {
        throw new HttpError(401, 'UNAUTHENTICATED', `An API key (${header}) or a token is required`, { 'www-authenticate': 'Bearer' });
      }
      return undefined;
    }
    let verdict;
    try {
      verdict = await apiKeys.verify(presented);
    } catch (error) {
      if (error instanceof ApiKeyStoreError) throw new HttpError(503, 'SERVICE_UNAVAILABLE', 'API keys cannot be checked right now; try again shortly', { 'retry-after': '1' });
      throw error;
    }
    if (!verdict.ok) throw new HttpError(401, 'INVALID_API_KEY', `The API key is ${verdict.reason === 'unknown' ? 'not known' : verdict.reason}`);
    return { id: verdict.record.id, plan: verdict.record.plan };
  };
}
