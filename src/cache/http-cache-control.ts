import type { PorticoPlugin } from '../server/pipeline.js';
import type { OperationResult } from '../server/operation.js';

/** A public answer says nothing about its caller: the budget status of an anonymous caller's IP goes. */
function withoutCallerState(result: OperationResult): OperationResult {
  const cost = result.extensions?.cost as { throttleStatus?: unknown } | undefined;
  if (!cost?.throttleStatus) return result;
  const { throttleStatus: _perCaller, ...shared } = cost;
  return { ...result, extensions: { ...result.extensions, cost: shared } };
}

/**
 * The `Cache-Control` a response leaves with, decided once everything has changed it (authorization's
 * nulls and errors are added on the way out): `no-store` with errors or without a cache hint, and
 * never `public` for a caller who sent credentials (a token or an API key, whose budget the answer
 * reports), so that no shared cache (a CDN in front of persisted GET queries) keeps one caller's view
 * for others. A `public` answer leaves without the per-IP `throttleStatus`, which a shared cache
 * would otherwise replay to every other client (the response is a copy: cost's report is its own).
 */
export function useHttpCacheControl(apiKeyHeader: string): PorticoPlugin {
  return {
    name: 'http-cache-control',
    onOperation(op, scope) {
      scope.onResponse((response) => {
        const policy = op.cachePolicy.policyIfCacheable();
        // A mutation's answer is not for keeping, whatever hints its fields carry.
        if (!policy || response.result.errors?.length || op.type !== 'query') {
          response.headers.set('cache-control', 'no-store');
          return;
        }
        const credentials = op.context.caller.authenticated || op.headers.get(apiKeyHeader) !== undefined;
        const scope = credentials ? 'private' : policy.scope.toLowerCase();
        if (scope === 'public') response.result = withoutCallerState(response.result);
        response.headers.set('cache-control', `max-age=${policy.maxAge}, ${scope}`);
      });
    },
  };
}
