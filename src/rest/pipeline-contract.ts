// The one-pipeline contract of issue 16 (src/server/run-operation.ts once it lands on main), as the
// REST routes call it. When it lands, this file re-exports the real types instead.
import type { GraphQLFormattedError } from 'graphql';
import type { GatewayContext } from '../context.js';

export interface OperationRequest {
  entry: 'http' | 'rest' | 'websocket';
  query: string;
  operationName?: string;
  variables?: Record<string, unknown>;
  headers: Map<string, string>;
  context: GatewayContext;
}
export interface OperationOutcome {
  status: number;
  headers: Map<string, string>;
  result: { data?: Record<string, unknown> | null; errors?: GraphQLFormattedError[]; extensions?: Record<string, unknown> };
}
export type RunOperation = (request: OperationRequest) => Promise<OperationOutcome>;
