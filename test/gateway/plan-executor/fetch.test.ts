// An entity fetch through Portico's executor with entities repeated: each asked for once, yet each
// given exactly the answer it would have had if every copy had been sent.
import type { FetchNode } from '@apollo/query-planner';
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { executeFetch, type FetchScope } from '../../../src/gateway/plan-executor/fetch.js';
import { typeMatcher, valuesAt } from '../../../src/gateway/plan-executor/merge.js';

const schema = buildSchema(`
  interface Media { id: ID! rating: Int }
  type Book implements Media { id: ID! rating: Int title: String }
  type Movie implements Media { id: ID! rating: Int director: String }
  type Details { sku: String label: String }
  type Product { upc: ID! name: String details: Details }
  type Review { product: Product }
  type Query { media: [Media] reviews: [Review] }
`);

/** A data source that answers each representation with `answer(rep)`, recording what was sent. */
function service(answer: (rep: any) => unknown, sent: unknown[][]) {
  return {
    async process({ request }: any) {
      const reps = request.variables.representations as any[];
      sent.push(reps);
      return { data: { _entities: reps.map(answer) } };
    },
  };
}

function scopeOf(root: Record<string, unknown>, services: Record<string, any>): FetchScope {
  return { services, requestContext: { context: {} } as any, variables: {}, matches: typeMatcher(schema), root, errors: [] };
}

describe('entity fetch through an interface object (input rewrites)', () => {
  it('keeps each entity its own __typename', async () => {
    // Book 1 and Movie 1 (ids per table); the @interfaceObject subgraph sees both as Media 1.
    const root = { media: [{ __typename: 'Book', id: '1', title: 'Dune' }, { __typename: 'Movie', id: '1', director: 'Villeneuve' }] };
    const fetch = {
      kind: 'Fetch',
      serviceName: 'ratings',
      operation: 'query($representations:[_Any!]!){_entities(representations:$representations){...on Media{rating}}}',
      operationKind: 'query',
      // As @apollo/query-planner plans an @interfaceObject fetch: requires on the interface, __typename rewritten.
      requires: [{ kind: 'InlineFragment', typeCondition: 'Media', selections: [{ kind: 'Field', name: '__typename' }, { kind: 'Field', name: 'id' }] }],
      inputRewrites: [{ kind: 'ValueSetter', path: ['... on Media', '__typename'], setValueTo: 'Media' }],
    } as unknown as FetchNode;
    const sent: unknown[][] = [];
    const scope = scopeOf(root, { ratings: service(() => ({ rating: 5 }), sent) });
    await executeFetch(scope, fetch, ['media', '@'], valuesAt(root, ['media', '@']));
    // Alike once rewritten, but of two types: each is asked for, as each type shapes its own answer.
    expect(sent[0]).toEqual([
      { __typename: 'Media', id: '1' },
      { __typename: 'Media', id: '1' },
    ]);
    expect(root.media[0]).toMatchObject({ __typename: 'Book', rating: 5 });
    expect(root.media[1]).toMatchObject({ __typename: 'Movie', rating: 5 });
  });
});

describe('a later fetch writing into an object an earlier shared answer created', () => {
  it('gives each entity the answer to its own representation', async () => {
    // The reviews subgraph @provides Product.name, and its two copies of p1 disagree (stale copy).
    const root = {
      reviews: [{ product: { __typename: 'Product', upc: 'p1', name: 'old' } }, { product: { __typename: 'Product', upc: 'p1', name: 'new' } }],
    };
    const path = ['reviews', '@', 'product'];
    const sent: unknown[][] = [];
    const base = { kind: 'Fetch', operation: '', operationKind: 'query' };
    // F1: Product.details { sku } from "catalog" by key only: one representation for both.
    const f1 = {
      ...base,
      serviceName: 'catalog',
      requires: [{ kind: 'InlineFragment', typeCondition: 'Product', selections: [{ kind: 'Field', name: '__typename' }, { kind: 'Field', name: 'upc' }] }],
    } as unknown as FetchNode;
    // F2: Product.details { label } from "labels", @requires(fields: "name"): two representations.
    const f2 = {
      ...base,
      serviceName: 'labels',
      requires: [
        { kind: 'InlineFragment', typeCondition: 'Product', selections: [{ kind: 'Field', name: '__typename' }, { kind: 'Field', name: 'upc' }, { kind: 'Field', name: 'name' }] },
      ],
    } as unknown as FetchNode;
    const scope = scopeOf(root, {
      catalog: service(() => ({ details: { sku: 'S1' } }), sent),
      labels: service((rep) => ({ details: { label: `label of ${rep.name}` } }), sent),
    });
    await executeFetch(scope, f1, path, valuesAt(root, path));
    await executeFetch(scope, f2, path, valuesAt(root, path));
    expect(sent[0]).toHaveLength(1);
    expect(sent[1]).toHaveLength(2);
    expect((root.reviews[1].product as any).details).toEqual({ sku: 'S1', label: 'label of new' });
    expect((root.reviews[0].product as any).details).toEqual({ sku: 'S1', label: 'label of old' });
  });
});

describe('errors fanned out from a shared representation', () => {
  it('come in entity order, as if every copy had been sent', async () => {
    const root = { list: [{ __typename: 'Product', upc: 'A' }, { __typename: 'Product', upc: 'B' }, { __typename: 'Product', upc: 'A' }] };
    const fetch = {
      kind: 'Fetch',
      serviceName: 's',
      operation: '',
      operationKind: 'query',
      requires: [{ kind: 'InlineFragment', typeCondition: 'Product', selections: [{ kind: 'Field', name: '__typename' }, { kind: 'Field', name: 'upc' }] }],
    } as unknown as FetchNode;
    const s = {
      async process({ request }: any) {
        const reps = request.variables.representations as any[];
        return { data: { _entities: reps.map(() => null) }, errors: reps.map((r, n) => ({ message: `no ${r.upc}`, path: ['_entities', n] })) };
      },
    };
    const scope = scopeOf(root, { s });
    await executeFetch(scope, fetch, ['list', '@'], valuesAt(root, ['list', '@']));
    const paths = (scope.errors as any[]).map((e) => `${e.message}@${e.path.join('.')}`);
    // Apollo (every copy sent) gives: no A@list.0, no B@list.1, no A@list.2. HEAD groups them by representation.
    expect(paths).toEqual(['no A@list.0', 'no B@list.1', 'no A@list.2']);
  });
});
