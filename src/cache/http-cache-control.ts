import type { Stage } from '../server/pipeline.js';

/** A public answer says nothing about its caller: the budget status of an anonymous caller's IP goes. */
function withoutCallerState(result: { extensions?: Record<string, unknown> }): void {
  const cost = result.extensions?.cost as { throttleStatus?: unknown } | undefined;
  if (!cost?.throttleStatus) return;
  const { throttleStatus: _perCaller, ...shared } = cost;
  result.extensions = { ...result.extensions, cost: shared };
}

/**
 * The `Cache-Control` a response leaves with, decided once everything has changed it (authorization's
 * nulls and errors are added on the way out, after Apollo Server's own header was set): `no-store`
 * with errors or without a cache hint, and never `public` for a caller who sent credentials (a token
 * or an API key, whose budget the answer reports), so that no shared cache (a CDN in front of
 * persisted GET queries) keeps one caller's view for others. A `public` answer leaves without the
 * per-IP `throttleStatus`, which a shared cache would otherwise replay to every other client.
 */
export function createHttpCacheControlStage(apiKeyHeader: string): Stage {
  return {
    name: 'http-cache-control',
    pure: true,
    operation(rc, scope) {
      scope.beforeResponse(({ response, overallCachePolicy, contextValue }) => {
        const result = response.body.kind === 'single' ? response.body.singleResult : response.body.initialResult;
        const errors = result.errors;
        const policy = overallCachePolicy.policyIfCacheable();
        // A mutation's answer is not for keeping, whatever hints its fields carry.
        if (!policy || errors?.length || rc.operation?.operation !== 'query') {
          response.http.headers.set('cache-control', 'no-store');
          return;
        }
        const credentials = contextValue.caller.authenticated || rc.request.http?.headers.get(apiKeyHeader) !== undefined;
        const scope = credentials ? 'private' : policy.scope.toLowerCase();
        if (scope === 'public') withoutCallerState(result);
        response.http.headers.set('cache-control', `max-age=${policy.maxAge}, ${scope}`);
      });
    },
  };
}
