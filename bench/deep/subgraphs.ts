import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLSchema } from 'graphql';
import { DEEP_PRODUCT_COUNT, DEEP_USER_COUNT, deepProduct, deepUser, numberOf, seedReviews, shippingEstimate, stock, type Review } from './data.js';
import { deepSdl, type DeepSubgraphName } from './schema.js';

const range = (count: number) => Array.from({ length: count }, (_, i) => i + 1);
const inRange = (id: string, count: number) => {
  const n = numberOf(id);
  return Number.isInteger(n) && n >= 1 && n <= count ? n : undefined;
};

function byKey<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

const resolvers: Record<DeepSubgraphName, () => object> = {
  users: () => {
    const user = (id: string) => {
      const n = inRange(id, DEEP_USER_COUNT);
      return n === undefined ? null : deepUser(n);
    };
    return {
      Query: { users: (_: unknown, { first }: { first: number }) => range(Math.min(first, DEEP_USER_COUNT)).map(deepUser), user: (_: unknown, { id }: { id: string }) => user(id) },
      User: { __resolveReference: ({ id }: { id: string }) => user(id) },
    };
  },
  products: () => {
    const product = (upc: string) => {
      const n = inRange(upc, DEEP_PRODUCT_COUNT);
      return n === undefined ? null : deepProduct(n);
    };
    return {
      Query: { topProducts: (_: unknown, { first }: { first: number }) => range(Math.min(first, DEEP_PRODUCT_COUNT)).map(deepProduct) },
      Product: { __resolveReference: ({ upc }: { upc: string }) => product(upc) },
    };
  },
  inventory: () => ({
    Product: {
      // The gateway sends price and weight with the key (`@requires`).
      __resolveReference: ({ upc, price, weight }: { upc: string; price: number; weight: number }) => {
        const n = inRange(upc, DEEP_PRODUCT_COUNT);
        return n === undefined ? null : { ...stock(n), shippingEstimate: shippingEstimate(price, weight) };
      },
    },
  }),
  reviews: () => {
    const reviews = seedReviews();
    const byId = new Map(reviews.map((r) => [r.id, r]));
    const byAuthor = byKey(reviews, (r) => r.authorId);
    const byProduct = byKey(reviews, (r) => r.upc);
    return {
      Review: {
        __resolveReference: ({ id }: { id: string }) => byId.get(id) ?? null,
        author: (r: Review) => ({ id: r.authorId }),
        product: (r: Review) => ({ upc: r.upc }),
      },
      User: { reviews: ({ id }: { id: string }, { first }: { first: number }) => (byAuthor.get(id) ?? []).slice(0, first) },
      Product: { reviews: ({ upc }: { upc: string }, { first }: { first: number }) => (byProduct.get(upc) ?? []).slice(0, first) },
    };
  },
};

/** A fresh schema over fresh data for one of the deep workload's subgraphs. */
export function buildDeepSchema(name: DeepSubgraphName): GraphQLSchema {
  return buildSubgraphSchema({ typeDefs: parse(deepSdl(false)[name]), resolvers: resolvers[name]() as never });
}
