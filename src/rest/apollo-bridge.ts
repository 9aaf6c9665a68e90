// TEMPORARY, until issue 16's runOperation (src/server/run-operation.ts) lands on main: the REST routes
// run their operations through Apollo Server's request pipeline, which runs Portico's stages as a
// GraphQL POST would. Delete this file and hand the routes the real runOperation then.
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { GatewayContext } from '../context.js';
import type { OperationOutcome, RunOperation } from './pipeline-contract.js';

export function runThroughApollo(apollo: ApolloServer<GatewayContext>): RunOperation {
  return async ({ query, operationName, variables, headers, context }) => {
    const httpHeaders = new HeaderMap();
    for (const [key, value] of headers) httpHeaders.set(key, value);
    httpHeaders.set('content-type', 'application/json');
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: 'POST', headers: httpHeaders, search: '', body: { query, operationName, variables } },
      context: async () => context,
    });
    let text = '';
    if (response.body.kind === 'complete') text = response.body.string;
    else for await (const chunk of response.body.asyncIterator) text += chunk;
    const outcomeHeaders = new Map<string, string>();
    for (const [key, value] of response.headers) if (key !== 'content-type' && key !== 'content-length') outcomeHeaders.set(key, value);
    return { status: response.status ?? 200, headers: outcomeHeaders, result: JSON.parse(text) as OperationOutcome['result'] };
  };
}
