// The response cache as a plugin, against the Operation type: what it answers, for whom, and when it forgets.
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/auth/caller.js';
import { useResponseCache } from '../../src/cache/cache-stage.js';
import { createMemoryCacheStore } from '../../src/cache/store-memory.js';
import { loadConfig } from '../../src/config/index.js';
import type { OperationResponse } from '../../src/server/operation.js';
import { createPipeline } from '../../src/server/pipeline.js';
import { testOperation, testSupergraph } from '../helpers/operation.js';

const sdl = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
  type Query { greeting(name: String): String, me: String }
  type Mutation { rename(name: String!): String }
`;
let graph: Awaited<ReturnType<typeof testSupergraph>>;
beforeAll(async () => {
  graph = await testSupergraph(sdl);
});
const ann = { authenticated: true, sub: 'ann', scopes: [], claims: {} } as unknown as Caller;
const bo = { authenticated: true, sub: 'bo', scopes: [], claims: {} } as unknown as Caller;

function cache() {
  const events = { hit: 0, miss: 0 };
  const plugin = useResponseCache(loadConfig({ env: {}, file: '/dev/null' }).cache, createMemoryCacheStore(), pino({ level: 'silent' }), {
    hit: () => void events.hit++,
    miss: () => void events.miss++,
    bypass: () => undefined,
    evicted: () => undefined,
    storeError: () => undefined,
  });
  const pipeline = createPipeline([plugin]);
  pipeline.useSupergraph(graph.supergraph, graph.apiSchema);
  /** One request: the cache's answer, or a fake execution whose answer carries this hint. */
  async function request(source: string, options: Parameters<typeof testOperation>[1], hint?: { maxAge: number; scope: 'PUBLIC' | 'PRIVATE' }) {
    const op = testOperation(source, { ...options, schema: graph.apiSchema, pipeline });
    const started = await pipeline.start(op);
    const answer = await started.respond();
    if (!answer && hint) op.cachePolicy.restrict(hint);
    const response: OperationResponse = { headers: new Map(), result: answer ?? { data: { greeting: `hello ${String(op.variables.name ?? op.context.caller.sub)}` } } };
    await started.finish(response);
    return { cached: response.headers.get('x-cache'), data: response.result.data };
  }
  return { request, events };
}

describe('the response cache plugin', () => {
  it('answers a public hint to anyone, keyed by the variables', async () => {
    const { request } = cache();
    const query = 'query($name: String) { greeting(name: $name) }';
    expect(await request(query, { variables: { name: 'x' } }, { maxAge: 30, scope: 'PUBLIC' })).toEqual({ cached: 'MISS', data: { greeting: 'hello x' } });
    expect(await request(query, { variables: { name: 'x' }, caller: bo })).toEqual({ cached: 'HIT', data: { greeting: 'hello x' } });
    expect((await request(query, { variables: { name: 'y' } })).cached).toBe('MISS');
  });

  it('answers a private hint to the same caller only', async () => {
    const { request } = cache();
    await request('{ greeting }', { caller: ann }, { maxAge: 30, scope: 'PRIVATE' });
    expect(await request('{ greeting }', { caller: ann })).toEqual({ cached: 'HIT', data: { greeting: 'hello ann' } });
    expect(await request('{ greeting }', { caller: bo })).toEqual({ cached: 'MISS', data: { greeting: 'hello bo' } });
    // An anonymous caller has no identity to keep a private answer under.
    await request('{ me }', {}, { maxAge: 30, scope: 'PRIVATE' });
    expect((await request('{ me }', {})).cached).toBe('MISS');
  });

  it('keeps nothing without a hint, and never answers a mutation', async () => {
    const { request, events } = cache();
    await request('{ greeting }', {});
    expect((await request('{ greeting }', {})).cached).toBe('MISS');
    expect((await request('mutation { rename(name: "z") }', {}, { maxAge: 30, scope: 'PUBLIC' })).cached).toBeUndefined();
    expect(events).toEqual({ hit: 0, miss: 2 });
  });
});
