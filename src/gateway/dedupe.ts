import type { Fetcher, FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';
import { SIGNATURE_HEADER } from '../identity/signed-identity.js';

// Headers that differ between identical calls without changing the answer. The identity header
// (who is asking) stays in the key: one caller never receives another's answer. The signature (per
// attempt and second) is added below deduplication, by `signedFetcher`; it is left out here too.
const NOT_IN_KEY = new Set(['x-request-id', 'traceparent', 'tracestate', SIGNATURE_HEADER]);

/** Only queries are shared; the gateway writes the operation first, with its keyword or as `{…}`. */
const IS_QUERY = /^\{"query":"(query[\s{(]|\{)/;

/** True when a body as the gateway writes it starts with a query operation (no parse needed). */
export const startsAsQuery = (body: unknown): boolean => typeof body === 'string' && IS_QUERY.test(body);

/** A response that answered an earlier identical call: its data may predate the request that got it. */
export const SHARED_RESPONSE = Symbol('portico.sharedResponse');

function keyOf(url: string, init: FetcherRequestInit): string | undefined {
  const body = init.body;
  if (typeof body !== 'string' || !startsAsQuery(body)) return undefined;
  const headers = Object.entries((init.headers ?? {}) as Record<string, string>)
    .filter(([name]) => !NOT_IN_KEY.has(name.toLowerCase()))
    .map(([name, value]) => `${name.toLowerCase()}:${value}`)
    .sort()
    .join('\n');
  return `${init.method ?? 'GET'} ${url}\n${headers}\n${body}`;
}

/**
 * What every subgraph's deduplicated fetcher of one gateway shares: a count of the writes sent
 * through it, so that no read joins a call that started before a write (to any subgraph) was sent.
 */
export function createDeduplication() {
  let writes = 0;
  return {
    /**
     * Identical subgraph queries in flight at the same time go out once: the others wait for that
     * call and each gets its own copy of the response (each request parses its own, so none can
     * change another's). The key is everything sent that can change the answer: URL, headers (the
     * caller's signed identity above all) and body. Mutations are never shared, and a query never
     * joins a call that started before a mutation was sent through this gateway.
     */
    fetcher(fetcher: Fetcher): Fetcher {
      const inFlight = new Map<string, { call: Promise<FetcherResponse>; writes: number }>();
      return async (url, init = {}) => {
        const key = keyOf(url, init);
        if (key === undefined) {
          writes++;
          return fetcher(url, init);
        }
        const pending = inFlight.get(key);
        if (pending && pending.writes === writes) {
          const shared = (await pending.call).clone();
          return Object.assign(shared, { [SHARED_RESPONSE]: true });
        }
        const entry = { call: fetcher(url, init), writes };
        inFlight.set(key, entry);
        try {
          return (await entry.call).clone();
        } finally {
          if (inFlight.get(key) === entry) inFlight.delete(key);
        }
      };
    },
  };
}
