import { createRequire } from 'node:module';
import type * as ApolloGatewayModule from '@apollo/gateway';

/**
 * Portico's one start-up step before @apollo/gateway loads: @apollo/federation-internals is CommonJS
 * compiled by tsc, its index re-exports every symbol through a getter, and @apollo/gateway calls
 * through those getters for every field of every response it shapes (about 7 % of a cache miss's
 * CPU). Its exports are replaced in Node's module cache by a plain copy of the same values, then
 * @apollo/gateway is loaded, reading plain properties. Every value Portico takes from @apollo/gateway
 * comes through here (type imports are free), so the step runs once, before the gateway's first load.
 */
function loadApolloGateway(): { gateway: typeof ApolloGatewayModule; original: Record<string, unknown>; flat: Record<string, unknown> } {
  const require = createRequire(import.meta.url);
  const gatewayRequire = createRequire(require.resolve('@apollo/gateway'));
  const path = gatewayRequire.resolve('@apollo/federation-internals');
  const original = gatewayRequire('@apollo/federation-internals') as Record<string, unknown>;
  const flat: Record<string, unknown> = {};
  for (const key of Object.keys(original)) flat[key] = original[key];
  Object.defineProperty(flat, '__esModule', { value: true });
  gatewayRequire.cache[path]!.exports = flat;
  return { gateway: require('@apollo/gateway') as typeof ApolloGatewayModule, original, flat };
}

const loaded = loadApolloGateway();

export const ApolloGateway = loaded.gateway.ApolloGateway;
export type ApolloGateway = ApolloGatewayModule.ApolloGateway;
export const RemoteGraphQLDataSource = loaded.gateway.RemoteGraphQLDataSource;
export type RemoteGraphQLDataSource<T extends Record<string, any>> = ApolloGatewayModule.RemoteGraphQLDataSource<T>;
/** For subscriptions (src/subscriptions/plan.ts): each event's entity fetches run on @apollo/gateway's executor. */
export const executeQueryPlan = loaded.gateway.executeQueryPlan;
export const buildOperationContext = loaded.gateway.buildOperationContext;

/** Exports whose live value no longer matches the copy (none, as long as the library never reassigns one). */
export function divergedFederationExports(): string[] {
  return Object.keys(loaded.original).filter((key) => loaded.original[key] !== loaded.flat[key]);
}
