import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import type { GatewayContext } from '../context.js';
import { refusal } from './refusal.js';
import type { CachePolicy, Operation, OperationResponse } from './operation.js';
import type { PipelineRun } from './pipeline.js';
import type { OperationRunner } from './run-operation.js';

/**
 * Apollo Server's plugin hooks mapped onto the one pipeline, for the requests Apollo Server reads
 * (those Portico's own reader leaves to it: first registrations of persisted queries, unusual bodies,
 * tracing). Apollo Server parses, validates and words its own refusals; from the resolved operation
 * on, the same runner as every other entry point: the plugins, the cache's answer or the gateway's
 * execution (answered from `responseForOperation`, so Apollo Server's own execution never runs),
 * and the plugins' response hooks.
 */
export function createApolloAdapter(runner: OperationRunner): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart(): Promise<GraphQLRequestListener<GatewayContext>> {
      let op: Operation | undefined;
      let run: PipelineRun | undefined;
      return {
        async didResolveOperation(rc) {
          const prepared = runner.prepare({
            entry: 'apollo',
            // A persisted query asked by hash alone has its text in `source` (Apollo Server found it).
            source: rc.source ?? rc.request.query ?? '',
            document: rc.document,
            hash: rc.queryHash,
            operationName: rc.request.operationName,
            rawVariables: rc.request.variables,
            headers: rc.request.http!.headers,
            context: rc.contextValue,
            cachePolicy: rc.overallCachePolicy as CachePolicy,
          });
          if ('error' in prepared) throw prepared.error;
          // @apollo/gateway executes no subscription: they have entry points of their own (src/subscriptions).
          if (prepared.op.type === 'subscription') {
            throw refusal('Subscriptions are served over WebSocket (graphql-ws) or multipart HTTP (Accept: multipart/mixed;subscriptionSpec="1.0")', 'BAD_REQUEST', 400);
          }
          op = prepared.op;
          run = await runner.pipelineStart(op);
          if (run.refused) throw run.refused;
        },
        async responseForOperation() {
          const answer = await run!.respond();
          const response = answer ? { headers: new Map<string, string>(), result: answer, status: undefined } : await runner.executed(op!);
          return { http: { status: response.status, headers: response.headers as never }, body: { kind: 'single', singleResult: response.result } };
        },
        async willSendResponse(rc) {
          if (!run) return;
          const { http, body } = rc.response;
          const single = body.kind === 'single' ? body : undefined;
          const response: OperationResponse = {
            status: http.status,
            headers: new Map(http.headers),
            result: single ? single.singleResult : body.kind === 'incremental' ? body.initialResult : {},
          };
          await run.finish(response);
          http.status = response.status;
          for (const [key, value] of response.headers) http.headers.set(key, value);
          if (single) single.singleResult = response.result as typeof single.singleResult;
        },
      };
    },
  };
}
