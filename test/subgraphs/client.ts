import { isQueryRequest } from '../../src/gateway/resilience.js';
import { gatewayPublicKey, signRequest, type Identity } from '../../src/identity/signed-identity.js';

/** The test gateway's secret: it signs here; the subgraphs under test hold only TEST_GATEWAY_KEYS. */
export const TEST_SECRET = 'subgraph-test-secret-0123456789';
export const TEST_GATEWAY_KEYS = [gatewayPublicKey(TEST_SECRET)];

export interface GraphQLBody<T> {
  data?: T | null;
  errors?: Array<{ message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }>;
}

export interface CallOptions {
  variables?: Record<string, unknown>;
  /** Who the gateway vouches for; `null` sends no identity headers at all. */
  identity?: Identity | null;
  /** Replaces the signed headers (forgeries). */
  headers?: Record<string, string>;
  secret?: string;
}

/**
 * POSTs a GraphQL request to a subgraph exactly as the gateway does: JSON body, signed identity
 * bound to this request (method, the subgraph's name, path, body), single-use (with a nonce) unless
 * it is only queries.
 */
export async function callSubgraph<T = Record<string, any>>(
  subgraph: { name: string; url: string },
  query: string,
  { variables, identity = { scopes: [] }, headers, secret = TEST_SECRET }: CallOptions = {},
): Promise<{ status: number; body: GraphQLBody<T> }> {
  const body = JSON.stringify({ query, variables });
  const { pathname, search } = new URL(subgraph.url);
  const singleUse = !isQueryRequest({ method: 'POST', body });
  const signed = identity ? signRequest({ identity, method: 'POST', audience: subgraph.name, path: pathname + search, body, singleUse }, secret) : {};
  const response = await fetch(subgraph.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signed, ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as GraphQLBody<T> };
}

/** An identity for a signed-in user. */
export const user = (sub: string, extra: Partial<Identity> = {}): Identity => ({ sub, scopes: [], ...extra });
export const admin = (sub = 'admin-1'): Identity => ({ sub, scopes: ['admin'] });

/** The `extensions.code` of each error, in order. */
export const codes = (body: GraphQLBody<unknown>) => (body.errors ?? []).map((error) => error.extensions?.code);
