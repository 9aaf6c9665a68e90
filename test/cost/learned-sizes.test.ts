// Estimates that learn: on a graph without @listSize, lists of undeclared size are estimated from the
// lengths clients were really answered, shared through the store, robust to a client teaching small ones.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProductsGraph, type ProductsGraph } from '../fixtures/products-graph.js';
import { graphql, startGateway, token } from '../helpers/stack.js';

const run = promisify(execFile);
// Replicas sync on a timer; the tests sync at once, through the report endpoint's `?sync=1`. One
// voter is enough here (the default is 3, tested below).
const LEARNING = { learnListSizes: { syncIntervalMs: 60_000, minClients: 1 } };

describe('learned list sizes (products graph)', () => {
  let graph: ProductsGraph;
  const gateways: Array<Awaited<ReturnType<typeof startGateway>>> = [];
  const start = async (cost: Record<string, unknown> = LEARNING) => {
    const gateway = await startGateway(graph.urls, { supergraph: { path: graph.supergraphPath }, authorization: { policies: {} }, cost });
    gateways.push(gateway);
    return gateway;
  };
  const sync = async (url: string) => {
    const response = await fetch(new URL('/admin/cost/report?sync=1', url), { headers: { authorization: `Bearer ${await token('ops', { scope: 'admin' })}` } });
    expect(response.status).toBe(200);
  };
  const estimate = async (url: string, query: string, bearer?: string) =>
    (await graphql(url, query, { token: bearer })).body.extensions?.cost.requestedQueryCost as number;
  beforeAll(async () => {
    graph = await startProductsGraph();
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.server.stop()));
    await graph?.stop();
  });

  it('estimates with the default size first, then with the sizes answers really had', async () => {
    const gateway = await start();
    const query = '{ books { reviews { body } } }';
    const reader = await token('reader');
    // The default, 10 at each level: 10 × (1 + 10 × 1) = 110. Actual: 2 books with 2 and 1 reviews = 5.
    expect(await estimate(gateway.url, query, reader)).toBe(110);
    await sync(gateway.url);
    // Learned: 2 books, at most 2 reviews a book: 2 × (1 + 2 × 1) = 6.
    expect(await estimate(gateway.url, query, reader)).toBe(6);
  });

  it('is not taught small sizes by one client: each client counts once, with its longest answer', async () => {
    const gateway = await start();
    const mallory = await token('mallory');
    // Mallory is answered one review, many times; two other clients are answered all three.
    for (let i = 0; i < 20; i++) await graphql(gateway.url, '{ reviews(minRating: 5) { id } }', { token: mallory });
    await graphql(gateway.url, '{ reviews { id } }', { token: await token('ann') });
    await graphql(gateway.url, '{ reviews { id } }', { token: await token('ben') });
    await sync(gateway.url);
    // The 95th percentile of the clients' longest answers (1, 3, 3) is 3, not Mallory's 1 (the
    // 95th percentile of the 22 answers would be 1).
    expect(await estimate(gateway.url, '{ reviews { id } }', mallory)).toBe(3);
    for (let i = 0; i < 20; i++) await graphql(gateway.url, '{ reviews(minRating: 5) { id } }', { token: mallory });
    await sync(gateway.url);
    expect(await estimate(gateway.url, '{ reviews { id } }', mallory)).toBe(3);
  });

  it('counts every anonymous caller as one voter, refuses made-up keys, and lowers nothing below three voters', async () => {
    const gateway = await start({ learnListSizes: { syncIntervalMs: 60_000 } });
    const honest = [await token('hana'), await token('ivo')];
    for (const bearer of honest) await graphql(gateway.url, '{ reviews { id } }', { token: bearer });
    // Sixty requests answered no review at all: anonymous ones, and ones with keys of their own making (refused).
    for (let i = 0; i < 30; i++) await graphql(gateway.url, '{ reviews(minRating: 6) { id } }');
    for (let i = 0; i < 30; i++) {
      const made = await graphql(gateway.url, '{ reviews(minRating: 6) { id } }', { headers: { 'x-api-key': `mint-${i}` } });
      expect(made.status).toBe(401);
    }
    await sync(gateway.url);
    // Three voters (hana 3, ivo 3, anonymous 0): the 95th percentile is 3, not 0.
    expect(await estimate(gateway.url, '{ reviews { id } }', honest[0])).toBe(3);

    const lone = await start({ learnListSizes: { syncIntervalMs: 60_000 } });
    await graphql(lone.url, '{ reviews { id } }', { token: await token('jo') });
    await sync(lone.url);
    // One voter (3 < the default 10): not enough to lower the estimate.
    expect(await estimate(lone.url, '{ reviews { id } }')).toBe(10);
  });

  it('waits for enough distinct clients before using a learned size', async () => {
    const gateway = await start({ learnListSizes: { syncIntervalMs: 60_000, minClients: 2 } });
    await graphql(gateway.url, '{ reviews { id } }', { token: await token('cleo') });
    await sync(gateway.url);
    expect(await estimate(gateway.url, '{ reviews { id } }')).toBe(10);
    await graphql(gateway.url, '{ reviews { id } }', { token: await token('dora') });
    await sync(gateway.url);
    expect(await estimate(gateway.url, '{ reviews { id } }')).toBe(3);
  });

  it('reports the fields furthest from the default, with the @listSize to declare, to an admin', async () => {
    const gateway = await start();
    await graphql(gateway.url, '{ books { reviews { id } } users { id } }', { token: await token('eve') });
    const url = new URL('/admin/cost/report?sync=1', gateway.url);
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${await token('eve')}` } })).status).toBe(403);
    const response = await fetch(url, { headers: { authorization: `Bearer ${await token('root', { scope: 'admin' })}` } });
    expect(response.status).toBe(200);
    const report = (await response.json()) as { defaultListSize: number; fields: Array<Record<string, unknown>> };
    expect(report.defaultListSize).toBe(10);
    expect(report.fields.map((f) => f.field)).toEqual(expect.arrayContaining(['Query.books', 'Book.reviews', 'Query.users']));
    expect(report.fields.find((f) => f.field === 'Book.reviews')).toMatchObject({ max: 2, clients: 1, learned: true, suggestion: '@listSize(assumedSize: 2)' });
    // Furthest from the default first: reviews (2) and users (2) and books (2) are all 5× off; none is 10.
    expect(report.fields.every((f) => f.estimateSize !== 10)).toBe(true);
  });

  it('prints the report with `npm run cost-report`', async () => {
    const gateway = await start();
    await graphql(gateway.url, '{ books { reviews { id } } }', { token: await token('gus') });
    const admin = await token('ops', { scope: 'admin' });
    // The gateway runs in this process: the script must run beside it, not block it.
    const report = (bearer: string) => run(process.execPath, ['--import', 'tsx', 'scripts/cost-report.ts', '--url', new URL(gateway.url).origin, '--token', bearer]);
    const { stdout } = await report(admin);
    expect(stdout).toMatch(/Book\.reviews\s+2\s+2 \/ 2 \/ 2\s+1\s+@listSize\(assumedSize: 2\)/);
    await expect(report('nonsense')).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/cost-report: 401/) });
  });

  it('shares learned sizes between replicas through the store', async () => {
    if (!process.env.REDIS_URL) return; // replicas share state only through Redis
    const prefix = `test-sizes-${Date.now()}`;
    const options = { supergraph: { path: graph.supergraphPath }, authorization: { policies: {} }, cost: LEARNING, redisPrefix: prefix };
    const a = await startGateway(graph.urls, options);
    const b = await startGateway(graph.urls, options);
    gateways.push(a, b);
    expect(await estimate(b.url, '{ reviews { id } }')).toBe(10);
    await graphql(a.url, '{ reviews { id } }', { token: await token('fay') });
    await sync(a.url);
    await sync(b.url);
    expect(await estimate(b.url, '{ reviews { id } }')).toBe(3);
  });
});
