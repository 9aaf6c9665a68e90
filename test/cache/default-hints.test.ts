import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCatalogGraph } from '../auth/fixtures/catalog-graph.js';
import { graphql, startGateway } from '../helpers/stack.js';

// The catalog subgraphs declare no cache hints; the gateway's config supplies some.
let graph: Awaited<ReturnType<typeof startCatalogGraph>>;
let gateway: Awaited<ReturnType<typeof startGateway>>;

beforeAll(async () => {
  graph = await startCatalogGraph();
  gateway = await startGateway(
    { catalog: graph.catalog.url, reviews: graph.reviews.url },
    {
      supergraph: { path: graph.supergraphPath },
      authorization: { policies: { vip: () => true } },
      cache: { defaultHints: { 'Query.book': { maxAge: 30 }, Book: { maxAge: 60 }, Review: { maxAge: 20, scope: 'PRIVATE' } } },
    },
  );
});
afterAll(async () => {
  await gateway?.server.stop();
  await graph?.stop();
});

const cacheStatus = async (query: string) => {
  const r = await graphql(gateway.url, query);
  return { status: r.headers.get('x-cache'), control: r.headers.get('cache-control') };
};

describe('configured default cache hints', () => {
  it('make an answer cacheable when every part of it has one: the smallest maxAge wins', async () => {
    expect(await cacheStatus('{ book(id: "b1") { name } }')).toEqual({ status: 'MISS', control: 'max-age=30, public' });
    expect((await cacheStatus('{ book(id: "b1") { name } }')).status).toBe('HIT');
  });

  it('leave an answer uncached when a part has none', async () => {
    await cacheStatus('{ book(id: "b1") { name } vip }');
    expect(await cacheStatus('{ book(id: "b1") { name } vip }')).toEqual({ status: 'MISS', control: 'no-store' });
  });

  it('carry a private scope from a type to the whole answer', async () => {
    // Review is PRIVATE: an anonymous caller's private answer is not stored, but the header says so.
    expect((await cacheStatus('{ book(id: "b2") { reviews { body } } }')).control).toBe('max-age=20, private');
  });
});
