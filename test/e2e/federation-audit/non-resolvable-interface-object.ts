// Ported from The Guild's federation gateway audit, src/test-suites/non-resolvable-interface-object
// (MIT License, Copyright (c) 2024 - The Guild; the notice is in ./suite.ts).
import { createTest, type AuditSuite } from './suite.js';

const products = [{ __typename: 'Bread', id: 'p1', name: 'Bread' }];

export const nonResolvableInterfaceObject: AuditSuite = {
  id: 'non-resolvable-interface-object',
  apolloGateway: '.X.....',
  subgraphs: [
    {
      name: 'a',
      typeDefs: /* GraphQL */ `
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@interfaceObject"])

        interface Node @key(fields: "id") {
          id: ID!
        }

        type Product @key(fields: "id", resolvable: false) @interfaceObject {
          id: ID!
        }

        type Query {
          a: Node
          product: Product!
        }
      `,
      resolvers: {
        Query: {
          a: () => ({ __typename: 'Node', id: 'n1' }),
          product: () => ({ __typename: 'Product', id: products[0].id }),
        },
        Node: {
          __resolveReference() {
            throw new Error('Not resolvable as it is an interface object');
          },
        },
      },
    },
    {
      name: 'b',
      typeDefs: /* GraphQL */ `
        extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@interfaceObject"])

        type Node @key(fields: "id", resolvable: false) @interfaceObject {
          id: ID!
          field: String
        }

        interface Product @key(fields: "id") {
          id: ID!
        }

        type Bread implements Product @key(fields: "id") {
          id: ID!
          name: String!
        }

        type Query {
          b: Node
        }
      `,
      resolvers: {
        Query: {
          b: () => ({ __typename: 'Node', id: 'n1' }),
        },
        Node: {
          __resolveReference() {
            throw new Error('Not resolvable');
          },
          field: () => 'foo',
        },
        Product: {
          __resolveReference: (key: { id: string }) => products.find((p) => p.id === key.id),
        },
        Bread: {
          __resolveReference: (key: { id: string }) => products.find((p) => p.id === key.id),
        },
      },
    },
  ],
  tests: [
    createTest('query { b { id field } }', { data: { b: { id: 'n1', field: 'foo' } } }),
    createTest('query { a { field } }', { data: null, errors: true }),
    createTest('query { b { id } }', { data: { b: { id: 'n1' } } }),
    createTest('query { a { id } }', { data: { a: null }, errors: true }),
    createTest('query { product { id } }', { data: { product: { id: 'p1' } } }),
    createTest('query { product { id name } }', { errors: true }),
    createTest('query { product { ... on Bread { id } } }', { data: { product: { id: 'p1' } } }),
  ],
};
