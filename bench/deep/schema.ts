// The deep workload's four subgraphs, in the shape of the public federation gateway benchmark
// (accounts, products, inventory, reviews): reviews link users and products both ways, and
// inventory's shipping estimate `@requires` the products subgraph's price and weight.

export const DEEP_SUBGRAPH_NAMES = ['users', 'products', 'inventory', 'reviews'] as const;
export type DeepSubgraphName = (typeof DEEP_SUBGRAPH_NAMES)[number];

/**
 * The SDL of each subgraph. `secured`, for Portico's rows: the root lists need a token
 * (`@authenticated`), review bodies the `reviews:read` scope, and every list is sized by its `first`
 * argument for the cost analysis. The baseline and Hive get the plain SDL (see bench/schema.ts).
 */
export function deepSdl(secured: boolean): Record<DeepSubgraphName, string> {
  const link = (imports: string[]) =>
    `extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ${JSON.stringify(secured ? [...imports, '@authenticated', '@requiresScopes', '@listSize'] : imports)})`;
  const sized = secured ? ' @listSize(slicingArguments: ["first"], requireOneSlicingArgument: false)' : '';
  const root = secured ? `${sized} @authenticated` : '';
  const scoped = secured ? ' @requiresScopes(scopes: [["reviews:read"]])' : '';
  return {
    users: /* GraphQL */ `
      ${link(['@key'])}
      type User @key(fields: "id") {
        id: ID!
        name: String!
        username: String!
      }
      type Query {
        users(first: Int = 10): [User!]!${root}
        user(id: ID!): User
      }
    `,
    products: /* GraphQL */ `
      ${link(['@key'])}
      type Product @key(fields: "upc") {
        upc: String!
        name: String!
        price: Int!
        weight: Int!
      }
      type Query {
        topProducts(first: Int = 5): [Product!]!${root}
      }
    `,
    inventory: /* GraphQL */ `
      ${link(['@key', '@external', '@requires'])}
      type Product @key(fields: "upc") {
        upc: String!
        price: Int! @external
        weight: Int! @external
        inStock: Boolean!
        shippingEstimate: Int! @requires(fields: "price weight")
      }
    `,
    reviews: /* GraphQL */ `
      ${link(['@key'])}
      type Review @key(fields: "id") {
        id: ID!
        body: String!${scoped}
        author: User!
        product: Product!
      }
      type User @key(fields: "id") {
        id: ID!
        reviews(first: Int = 5): [Review!]!${sized}
      }
      type Product @key(fields: "upc") {
        upc: String!
        reviews(first: Int = 5): [Review!]!${sized}
      }
    `,
  };
}
