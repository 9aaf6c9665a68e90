import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import demo from '../../portico.config.js';
import { loadConfig, type ConfigInput } from '../../src/config/index.js';
import { gatewayPublicKey } from '../../src/identity/signed-identity.js';
import { createPorticoServer, type PorticoServer, type ServerOptions } from '../../src/server/create-server.js';
import { startTodosSubgraph } from '../../subgraphs/todos/index.js';
import { startUsersSubgraph } from '../../subgraphs/users/index.js';
import type { RunningSubgraph, StorageOptions } from '../../subgraphs/runtime/index.js';
import { testStorage } from '../subgraphs/storage-fixture.js';

export const JWT_SECRET = 'stack-test-jwt-secret-0123456789abcdef';
export const SUBGRAPH_SECRET = 'stack-test-subgraph-secret-0123456789';
/** What the test subgraphs verify the test gateway's signatures with. */
export const SUBGRAPH_PUBLIC_KEYS = [gatewayPublicKey(SUBGRAPH_SECRET)];
export const silentLogger = pino({ level: 'silent' });

export interface TokenOptions {
  scope?: string;
  name?: string;
  email?: string;
  /** Seconds from now; default 300. */
  expiresIn?: number;
  /** `iat`, in seconds since the epoch; default now. */
  issuedAt?: number;
  /** More claims. */
  extra?: Record<string, unknown>;
}

export function token(sub: string, options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { iat: options.issuedAt ?? now, exp: now + (options.expiresIn ?? 300) };
  if (options.scope) claims.scope = options.scope;
  if (options.name) claims.name = options.name;
  if (options.email) claims.email = options.email;
  Object.assign(claims, options.extra);
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).sign(new TextEncoder().encode(JWT_SECRET));
}

export interface GraphQLResult<T = any> {
  status: number;
  headers: Headers;
  body: { data?: T; errors?: Array<{ message: string; path?: (string | number)[]; extensions?: Record<string, any> }>; extensions?: Record<string, any> };
}

/** POSTs a GraphQL request as a client would. */
export async function graphql<T = any>(
  url: string,
  query: string,
  options: { variables?: Record<string, unknown>; token?: string; headers?: Record<string, string> } = {},
): Promise<GraphQLResult<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResult<T>['body'] };
}

export function gatewayConfig(urls: Record<string, string>, overrides: ConfigInput = {}) {
  return loadConfig({
    env: {},
    file: '/dev/null',
    overrides: {
      server: { port: 0 },
      auth: { jwtSecret: JWT_SECRET },
      subgraphSecret: SUBGRAPH_SECRET,
      subgraphs: Object.fromEntries(Object.entries(urls).map(([name, url]) => [name, { url }])),
      logging: { level: 'silent' },
      authorization: demo.authorization,
      // With REDIS_URL set (CI's second pass), state lives in Redis, under a prefix of this gateway's own.
      redisUrl: process.env.REDIS_URL,
      redisPrefix: `test-${randomUUID()}`,
      // PORTICO_EXECUTOR=portico|apollo runs a test file's gateways with that executor.
      ...(process.env.PORTICO_EXECUTOR ? { gateway: { executor: process.env.PORTICO_EXECUTOR as 'portico' | 'apollo' } } : {}),
      ...overrides,
      supergraph: { watch: false, ...overrides.supergraph },
      // Without Redis, issued keys live in a file: one of this gateway's own, not ./data of the checkout.
      apiKeys: { file: join(mkdtempSync(join(tmpdir(), 'portico-test-keys-')), 'api-keys.json'), ...overrides.apiKeys },
      // Metrics on a free port of their own, as by default on a port of their own (9090).
      metrics: { port: 0, ...overrides.metrics },
    },
  });
}

export async function startGateway(urls: Record<string, string>, overrides: ConfigInput = {}, options: ServerOptions = {}) {
  const server: PorticoServer = createPorticoServer(gatewayConfig(urls, overrides), silentLogger, options);
  const { url, port, metricsUrl } = await server.start();
  return { server, url, port, metricsUrl };
}

export interface Stack {
  url: string;
  /** Where the gateway serves `/metrics`. */
  metricsUrl: string | undefined;
  users: RunningSubgraph;
  todos: RunningSubgraph;
  gateway: PorticoServer;
  storage: { users: StorageOptions; todos: StorageOptions };
  /** Stops and starts the todos subgraph on the same port and storage. */
  restartTodos(): Promise<void>;
  stop(): Promise<void>;
}

/** The real users and todos subgraphs and the gateway, each on a free port, on the test storage. */
export async function startStack(overrides: ConfigInput = {}, options: ServerOptions = {}): Promise<Stack> {
  const usersStorage = testStorage('users');
  const todosStorage = testStorage('todos');
  const common = { port: 0, gatewayKeys: SUBGRAPH_PUBLIC_KEYS, logger: silentLogger };
  const users = await startUsersSubgraph({ ...common, storage: usersStorage.options });
  let todos = await startTodosSubgraph({ ...common, storage: todosStorage.options });
  const gateway = await startGateway({ users: users.url, todos: todos.url }, overrides, options);
  return {
    url: gateway.url,
    metricsUrl: gateway.metricsUrl,
    users,
    get todos() {
      return todos;
    },
    gateway: gateway.server,
    storage: { users: usersStorage.options, todos: todosStorage.options },
    async restartTodos() {
      await todos.stop();
      todos = await startTodosSubgraph({ ...common, port: todos.port, storage: todosStorage.options });
    },
    async stop() {
      await gateway.server.stop();
      await Promise.all([users.stop(), todos.stop()]);
      await Promise.all([usersStorage.cleanup(), todosStorage.cleanup()]);
    },
  };
}

/** Issues an API key through the gateway's admin API, as an operator would; returns it with its id. */
export async function issueKey(url: string, plan = 'default', body: Record<string, unknown> = {}): Promise<{ key: string; id: string }> {
  const response = await fetch(new URL('/admin/keys', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('ops', { scope: 'admin' })}` },
    body: JSON.stringify({ plan, ...body }),
  });
  if (response.status !== 201) throw new Error(`issuing a key answered ${response.status}`);
  return (await response.json()) as { key: string; id: string };
}
