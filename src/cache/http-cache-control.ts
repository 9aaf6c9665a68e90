import type { PorticoPlugin } from '../server/pipeline.js';
import { withoutCallerOnly } from '../server/operation.js';

/**
 * The `Cache-Control` a response leaves with, decided once everything has changed it (authorization's
 * nulls and errors are added on the way out): `no-store` with errors or without a cache hint, and
 * never `public` for a caller who sent credentials (a token or an API key, whose budget the answer
 * reports), so that no shared cache (a CDN in front of persisted GET queries) keeps one caller's view
 * for others. A `public` answer leaves without what the plugins declared their caller's only (the
 * per-IP `throttleStatus`, a quota), which a shared cache would otherwise replay to every other client.
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
        if (scope === 'public') response.result = withoutCallerOnly(response);
        response.headers.set('cache-control', `max-age=${policy.maxAge}, ${scope}`);
      });
    },
  };
}
