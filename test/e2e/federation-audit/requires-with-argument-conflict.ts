// Ported from The Guild's federation gateway audit, src/test-suites/requires-with-argument-conflict
// (MIT License, Copyright (c) 2024 - The Guild; the notice is in ./suite.ts).
import { createTest, type AuditSuite } from './suite.js';

const products = [
  { upc: 'p1', name: 'p-name-1', price: 11, weight: 1, category: { averagePrice: 11 } },
  { upc: 'p2', name: 'p-name-2', price: 22, weight: 2, category: { averagePrice: 22 } },
];

export const requiresWithArgumentConflict: AuditSuite = {
  id: 'requires-with-argument-conflict',
  apolloGateway: 'X',
  subgraphs: [
    {
      name: 'a',
      typeDefs: /* GraphQL */ `
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires"])

        type Product @key(fields: "upc") {
          upc: String!
          weight: Int @external
          price(currency: String!): Int @external
          shippingEstimate: Int
            @requires(
              fields: """
              price(currency: "USD") weight
              """
            )
          shippingEstimateEUR: Int
            @requires(
              fields: """
              price(currency: "EUR") weight
              """
            )
          category: Category @external
          isExpensiveCategory: Boolean
            @requires(
              fields: """
              category { averagePrice(currency: "USD") }
              """
            )
        }

        type Category @external {
          averagePrice(currency: String!): Int
        }
      `,
      resolvers: {
        Product: {
          __resolveReference(key: { upc: string; price: number; weight: number } | { upc: string }) {
            const product = products.find((p) => p.upc === key.upc);
            if (!product) return null;
            if ('weight' in key && 'price' in key) return { upc: product.upc, weight: key.weight, price: key.price, category: product.category };
            return { upc: product.upc, category: product.category };
          },
          shippingEstimate: (product: { price: number; weight: number }) => product.price * product.weight * 10,
          shippingEstimateEUR: (product: { price: number; weight: number }) => product.price * product.weight * 10,
          isExpensiveCategory: (product: { category: { averagePrice: number } }) => product.category.averagePrice > 11,
        },
      },
    },
    {
      name: 'b',
      typeDefs: /* GraphQL */ `
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

        type Query {
          products: [Product]
        }

        type Product @key(fields: "upc") {
          upc: String!
          name: String
          price(currency: String!): Int
          weight: Int
          category: Category
        }

        type Category {
          averagePrice(currency: String!): Int
        }
      `,
      resolvers: {
        Query: {
          products: () => products.map((p) => ({ upc: p.upc, name: p.name, price: p.price, weight: p.weight, category: p.category })),
        },
        Product: {
          __resolveReference(key: { upc: string }) {
            const product = products.find((p) => p.upc === key.upc);
            if (!product) return null;
            return { upc: product.upc, name: product.name, price: product.price, weight: product.weight, category: product.category };
          },
          price(parent: { price: number }, args: { currency: string }) {
            if (args.currency === 'EUR') return parent.price * 2;
            if (args.currency === 'USD') return parent.price;
            throw new Error('Unsupported currency ' + args.currency);
          },
        },
      },
    },
  ],
  tests: [
    createTest('query { products { upc name shippingEstimate shippingEstimateEUR isExpensiveCategory } }', {
      data: {
        products: [
          // 11 * 1 * 10, (11 * 2) * 1 * 10
          { upc: 'p1', name: 'p-name-1', shippingEstimate: 110, shippingEstimateEUR: 220, isExpensiveCategory: false },
          // 22 * 2 * 10, (22 * 2) * 2 * 10
          { upc: 'p2', name: 'p-name-2', shippingEstimate: 440, shippingEstimateEUR: 880, isExpensiveCategory: true },
        ],
      },
    }),
  ],
};
