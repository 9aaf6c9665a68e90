import type { Stage } from '../server/pipeline.js';

/**
 * The `Cache-Control` a response leaves with, decided once everything has changed it (authorization's
 * nulls and errors are added on the way out, after Apollo Server's own header was set): `no-store`
 * with errors or without a cache hint, and never `public` for a caller who sent credentials (a token
 * or an API key, whose budget the answer reports), so that no shared cache (a CDN in front of
 * persisted GET queries) keeps one caller's view for others.
 */
export function createHttpCacheControlStage(apiKeyHeader: string): Stage {
  return {
    name: 'http-cache-control',
    pure: true,
    operation(rc, scope) {
      scope.beforeResponse(({ response, overallCachePolicy, contextValue }) => {
        const errors = response.body.kind === 'single' ? response.body.singleResult.errors : response.body.initialResult.errors;
        const policy = overallCachePolicy.policyIfCacheable();
        if (!policy || errors?.length) {
          response.http.headers.set('cache-control', 'no-store');
          return;
        }
        const credentials = contextValue.caller.authenticated || rc.request.http?.headers.get(apiKeyHeader) !== undefined;
        const scope = credentials ? 'private' : policy.scope.toLowerCase();
        response.http.headers.set('cache-control', `max-age=${policy.maxAge}, ${scope}`);
      });
    },
  };
}
