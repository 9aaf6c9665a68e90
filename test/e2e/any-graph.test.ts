// Portico on a graph that has nothing to do with the demo: answers checked against what each subgraph holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { data, shippingEstimate, startProductsGraph, type ProductsGraph } from '../fixtures/products-graph.js';
import { graphql, startGateway, token } from '../helpers/stack.js';

describe('Portico on a products/inventory/reviews/accounts supergraph', () => {
  let graph: ProductsGraph;
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  beforeAll(async () => {
    graph = await startProductsGraph();
    gateway = await startGateway(graph.urls, { supergraph: { path: graph.supergraphPath }, authorization: { policies: {} } });
  });
  afterAll(async () => {
    await gateway?.server.stop();
    await graph?.stop();
  });

  it('is ready once the supergraph is loaded', async () => {
    const response = await fetch(new URL('/health/ready', gateway.url));
    expect(response.status).toBe(200);
  });

  it('resolves an interface list across subgraphs, with @override and @requires', async () => {
    const { body } = await graphql(
      gateway.url,
      `{ topProducts { __typename upc name price
          ... on Book { author inStock shippingEstimate averageRating }
          ... on Furniture { material } } }`,
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.topProducts).toEqual([
      ...data.books.map((b) => {
        const ratings = data.reviews.filter((r) => r.upc === b.upc).map((r) => r.rating);
        return {
          __typename: 'Book',
          upc: b.upc,
          name: b.name,
          price: b.price,
          author: b.author,
          inStock: data.inStock[b.upc], // from inventory, which overrides products' stale value
          shippingEstimate: shippingEstimate(b),
          averageRating: ratings.reduce((a, c) => a + c, 0) / ratings.length,
        };
      }),
      ...data.furniture.map((f) => ({ __typename: 'Furniture', upc: f.upc, name: f.name, price: f.price, material: f.material })),
    ]);
    expect(graph.received.products.join('\n')).not.toMatch(/inStock/);
  });

  it('answers @provides fields from the providing subgraph without calling the owner', async () => {
    graph.clear();
    const { body } = await graphql(gateway.url, '{ reviews { id author { id username } } }');
    expect(body.data.reviews).toEqual(data.reviews.map((r) => ({ id: r.id, author: { id: r.authorId, username: data.users.find((u) => u.id === r.authorId)!.username } })));
    expect(graph.received.accounts).toEqual([]);
  });

  it('fetches fields the provider does not hold from the owning subgraph', async () => {
    const { body } = await graphql(gateway.url, '{ reviews(minRating: 4) { author { email } product { name } } }');
    expect(body.data.reviews).toEqual(
      data.reviews
        .filter((r) => r.rating >= 4)
        .map((r) => ({ author: { email: data.users.find((u) => u.id === r.authorId)!.email }, product: { name: data.books.find((b) => b.upc === r.upc)!.name } })),
    );
  });

  it('joins an entity with a compound key on every key field', async () => {
    const { body } = await graphql(gateway.url, '{ books { upc storedIn { region code name } } }');
    expect(body.data.books).toEqual(
      data.books.map((b) => ({ upc: b.upc, storedIn: { ...b.storedIn, name: data.warehouses.find((w) => w.region === b.storedIn.region && w.code === b.storedIn.code)!.name } })),
    );
  });

  it('hides @inaccessible fields from clients', async () => {
    const { status, body } = await graphql(gateway.url, '{ books { costPrice } }');
    expect(status).toBe(400);
    expect(body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it("enforces this graph's own authorization directives", async () => {
    const anonymous = await graphql(gateway.url, '{ warehouses { name } }');
    expect(anonymous.body.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
    const signedIn = await graphql(gateway.url, '{ warehouses { name stock } }', { token: await token('w', {}) });
    // stock is non-null, so its removal nulls up to the root: [Warehouse!]! leaves no data at all.
    expect(signedIn.body.data).toBeNull();
    expect(signedIn.body.errors?.[0].extensions?.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    const reader = await graphql(gateway.url, '{ warehouses { name stock } }', { token: await token('w', { scope: 'inventory:read' }) });
    expect(reader.body.errors).toBeUndefined();
    expect(reader.body.data).toEqual({ warehouses: data.warehouses.map((w) => ({ name: w.name, stock: w.stock })) });
  });
});
