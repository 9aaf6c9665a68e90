// Portico's plugins one by one against the Operation type, without a gateway or subgraphs: the
// authorization rewrite, the cost estimate and budget, and the Cache-Control decision.
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/auth/caller.js';
import { useAuthorization } from '../../src/auth/authorization.js';
import { useHttpCacheControl } from '../../src/cache/http-cache-control.js';
import { loadConfig } from '../../src/config/index.js';
import { createMemoryBudgets } from '../../src/cost/budgets-memory.js';
import { useCost } from '../../src/cost/cost-stage.js';
import type { OperationResponse } from '../../src/server/operation.js';
import { createPipeline, type PorticoPlugin } from '../../src/server/pipeline.js';
import { testOperation, testSupergraph } from '../helpers/operation.js';

const sdl = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@authenticated", "@requiresScopes", "@cost", "@listSize"])
  type Query {
    todos(first: Int = 10): [Todo!]! @listSize(slicingArguments: ["first"])
    secret: String @requiresScopes(scopes: [["admin"]])
  }
  type Todo @key(fields: "id") {
    id: ID!
    title: String! @cost(weight: 2)
  }
`;
let graph: Awaited<ReturnType<typeof testSupergraph>>;
beforeAll(async () => {
  graph = await testSupergraph(sdl);
});
const config = (overrides = {}) => loadConfig({ env: {}, file: '/dev/null', overrides });
const silent = pino({ level: 'silent' });

/** Runs one operation through the given plugins and a fake execution; the response as it would leave. */
async function run(plugins: PorticoPlugin[], source: string, options: Parameters<typeof testOperation>[1] = {}, data: Record<string, unknown> = {}) {
  const pipeline = createPipeline(plugins);
  pipeline.useSupergraph(graph.supergraph, graph.apiSchema);
  const op = testOperation(source, { ...options, schema: graph.apiSchema, pipeline });
  const started = await pipeline.start(op);
  const response: OperationResponse = started.refused ? { status: 400, headers: new Map(), result: { errors: [] } } : { headers: new Map(), result: { data } };
  await started.finish(response);
  return { op, refused: started.refused as { extensions: Record<string, any> } | undefined, response };
}

describe('authorization', () => {
  const admin = { authenticated: true, sub: 'root', scopes: ['admin'], claims: {} } as unknown as Caller;

  it('removes what the caller may not see before execution, and answers it null with an error', async () => {
    const { op, response } = await run([useAuthorization(config().authorization, silent)], '{ secret todos { id } }', {}, { todos: [] });
    expect(op.runs.definition.selectionSet.selections.map((s) => (s as { name: { value: string } }).name.value)).toEqual(['todos']);
    expect(response.result.data).toEqual({ secret: null, todos: [] });
    expect(response.result.errors).toMatchObject([{ path: ['secret'], extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' } }]);
  });

  it('leaves the document alone for a caller who may see all of it', async () => {
    const { op } = await run([useAuthorization(config().authorization, silent)], '{ secret }', { caller: admin });
    expect(op.runs.hash).toBe('{ secret }');
  });

  it('refuses with 403 in reject mode', async () => {
    const { refused } = await run([useAuthorization(config({ authorization: { mode: 'reject' } }).authorization, silent)], '{ secret }');
    expect(refused?.extensions).toMatchObject({ code: 'UNAUTHORIZED_FIELD_OR_TYPE', http: { status: 403 } });
  });
});

describe('cost', () => {
  it('estimates with the coerced variables and reports estimate and actual', async () => {
    const { cost } = config();
    const { response } = await run([useCost(cost, createMemoryBudgets())], 'query($n: Int) { todos(first: $n) { title } }', { variables: { n: 4 } }, { todos: [{ title: 'a' }] });
    // 4 todos × (1 + title's weight 2) estimated; 1 × 3 actual.
    expect(response.result.extensions?.cost).toMatchObject({ requestedQueryCost: 12, actualQueryCost: 3 });
  });

  it('refuses above the ceiling with 400 COST_ESTIMATED_TOO_EXPENSIVE before anything runs', async () => {
    const { cost } = config({ cost: { maxCost: 10 } });
    const { refused } = await run([useCost(cost, createMemoryBudgets())], '{ todos(first: 100) { title } }');
    expect(refused?.extensions).toMatchObject({ code: 'COST_ESTIMATED_TOO_EXPENSIVE', http: { status: 400 } });
  });

  it('throttles a client whose budget is spent, with 429 and Retry-After', async () => {
    const { cost } = config({ cost: { budgets: { enabled: true, capacity: 40, restoreRate: 1 } } });
    const plugin = useCost(cost, createMemoryBudgets());
    // Ten to-dos answered: the estimate of 30 was right, nothing comes back.
    const todos = Array.from({ length: 10 }, () => ({ title: 't' }));
    const first = await run([plugin], '{ todos(first: 10) { title } }', { clientAddress: '192.0.2.9', budgets: cost.budgets }, { todos });
    expect(first.refused).toBeUndefined();
    const second = await run([plugin], '{ todos(first: 10) { title } }', { clientAddress: '192.0.2.9', budgets: cost.budgets });
    expect(second.refused?.extensions).toMatchObject({ code: 'THROTTLED', http: { status: 429 } });
  });
});

describe('http cache control', () => {
  const plugin = useHttpCacheControl('x-api-key');

  it('is no-store without a hint, for a mutation, or with errors', async () => {
    expect((await run([plugin], '{ todos { id } }')).response.headers.get('cache-control')).toBe('no-store');
  });

  it('keeps a public hint public for an anonymous caller, private for one with credentials, without the per-IP budget', async () => {
    const hinted = async (options: Parameters<typeof testOperation>[1]) => {
      const pipeline = createPipeline([plugin]);
      const op = testOperation('{ todos { id } }', { ...options, schema: graph.apiSchema, pipeline });
      op.cachePolicy.restrict({ maxAge: 30, scope: 'PUBLIC' });
      const started = await pipeline.start(op);
      // The cost plugin declares its throttleStatus the caller's only.
      const response: OperationResponse = {
        headers: new Map(),
        result: { data: {}, extensions: { cost: { requestedQueryCost: 1, throttleStatus: { currentlyAvailable: 9 } } } },
        callerOnly: new Set(['cost.throttleStatus']),
      };
      await started.finish(response);
      return response;
    };
    const anonymous = await hinted({});
    expect(anonymous.headers.get('cache-control')).toBe('max-age=30, public');
    expect(anonymous.result.extensions?.cost).toEqual({ requestedQueryCost: 1 });
    const keyed = await hinted({ headers: { 'x-api-key': 'k' } });
    expect(keyed.headers.get('cache-control')).toBe('max-age=30, private');
    expect(keyed.result.extensions?.cost).toHaveProperty('throttleStatus');
  });
});
