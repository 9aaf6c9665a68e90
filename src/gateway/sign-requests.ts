import type { Fetcher } from '@apollo/utils.fetcher';
import { IDENTITY_HEADER, SIGNATURE_HEADER, sha256Hex, type RequestSigner } from '../identity/signed-identity.js';
import { startsAsQuery } from './dedupe.js';
import { lastTarget } from './fetcher.js';
import { isQueryRequest } from './resilience.js';

/**
 * Signs each call to the subgraph `audience` just before it leaves: method, path, body digest, the
 * identity header the data source set, and the time of this very attempt. It sits below retries, so
 * a retry carries a fresh signature, and below deduplication, whose key leaves the signature out.
 * A call that is not only queries (a mutation) is signed single-use, with a nonce of its own, so a
 * captured copy cannot be replayed; a query's signature may be reused within its second.
 * A call without an identity header goes out unsigned (the subgraph refuses it).
 */
export function signedFetcher(fetcher: Fetcher, signer: RequestSigner, audience: string): Fetcher {
  const target = lastTarget();
  return (url, init = {}) => {
    const headers = (init.headers ?? {}) as Record<string, string>;
    const identity = headers[IDENTITY_HEADER];
    if (!identity) return fetcher(url, init);
    // The gateway's own query bodies are told apart without parsing; anything else is parsed once.
    // A mutation taken for a query would be refused by the subgraph, never left replayable.
    const singleUse = !startsAsQuery(init.body) && !isQueryRequest(init);
    const signature = signer.sign({ method: init.method ?? 'GET', audience, path: target(url).path, bodySha256: sha256Hex(init.body ?? ''), identity, singleUse });
    return fetcher(url, { ...init, headers: { ...headers, [SIGNATURE_HEADER]: signature } });
  };
}
