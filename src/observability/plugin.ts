import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.js';

/** Fills the request report with what Apollo Server knows: the operation and the error codes sent. */
export function createReportPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, operationName }) {
          contextValue.report.operationName = operationName;
          contextValue.report.operationType = operation?.operation;
        },
        async willSendResponse({ contextValue, response }) {
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : response.body.initialResult.errors;
          for (const error of errors ?? []) contextValue.report.errorCodes.push(String(error.extensions?.code ?? 'UNKNOWN'));
        },
      };
    },
  };
}
