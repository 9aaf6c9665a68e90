// Operations for unit tests of plugins: the same Operation type every entry point makes, over a
// schema and document given here, with a context a test chooses.
import { buildSchema, getOperationAST, parse, type GraphQLSchema } from 'graphql';
import type { Caller } from '../../src/auth/caller.js';
import type { GatewayContext } from '../../src/context.js';
import { identifyClient } from '../../src/cost/client.js';
import { callerIdentity } from '../../src/identity/caller-identity.js';
import { loadConfig, type PorticoConfig } from '../../src/config/index.js';
import { createCachePolicy, type Operation } from '../../src/server/operation.js';
import { createPipeline, type Pipeline } from '../../src/server/pipeline.js';

const ANONYMOUS: Caller = { authenticated: false, scopes: [], claims: {} } as unknown as Caller;

export const testSchema = buildSchema('type Query { todos(first: Int = 10): [String!]! me: String } type Mutation { addTodo(title: String!): String }');

export interface OperationOptions {
  schema?: GraphQLSchema;
  variables?: Record<string, unknown>;
  headers?: Record<string, string>;
  caller?: Caller;
  clientAddress?: string;
  context?: Partial<GatewayContext>;
  pipeline?: Pipeline;
  /** The budgets config the client's plan comes from (default: the default config's). */
  budgets?: PorticoConfig['cost']['budgets'];
}

/** A context as createContext makes it: identity and budget client resolved once. */
export function testContext(options: Pick<OperationOptions, 'caller' | 'clientAddress' | 'context' | 'budgets'> = {}): GatewayContext {
  const budgets = options.budgets ?? loadConfig({ env: {}, file: '/dev/null' }).cost.budgets;
  const base = {
    caller: options.caller ?? ANONYMOUS,
    requestId: 'test',
    clientAddress: options.clientAddress ?? '192.0.2.1',
    report: { errorCodes: [] },
    ...options.context,
  };
  return { identity: callerIdentity(base.caller), client: identifyClient(base, budgets), ...base } as GatewayContext;
}

/** An operation of `source` over the test schema (or the one given), as the runner prepares it. */
export function testOperation(source: string, options: OperationOptions = {}): Operation {
  const schema = options.schema ?? testSchema;
  const document = parse(source);
  const definition = getOperationAST(document)!;
  const pipeline = options.pipeline ?? createPipeline([]);
  return pipeline.operation({
    entry: 'http',
    schema,
    source,
    type: definition.operation,
    name: definition.name?.value ?? null,
    runs: { document, definition, hash: source },
    rawVariables: options.variables ?? {},
    variables: options.variables ?? {},
    headers: new Map(Object.entries(options.headers ?? {})),
    context: testContext(options),
    cachePolicy: createCachePolicy(),
  });
}

/** A supergraph composed from one subgraph's SDL, with its API schema: what a plugin's onSupergraph gets. */
export async function testSupergraph(sdl: string) {
  const { composeServices } = await import('@apollo/composition');
  const { readSupergraph } = await import('../../src/gateway/supergraph.js');
  const { Supergraph } = await import('@apollo/federation-internals');
  const composed = composeServices([{ name: 'main', url: 'http://127.0.0.1:1/graphql', typeDefs: parse(sdl) }]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  const apiSchema = Supergraph.build(composed.supergraphSdl, { supportedFeatures: null }).apiSchema().toGraphQLJSSchema();
  return { supergraph: readSupergraph(composed.supergraphSdl), apiSchema };
}
