// The deep workload's query: entities nested six levels across the four subgraphs
// (users → reviews → products + inventory → reviews → users → reviews → products + inventory),
// with lists at five levels, and its expected answer computed from the same data.
import { deepProduct, deepUser, numberOf, seedReviews, shippingEstimate, stock, type Review } from './data.js';

const USERS = 5;
const TOP_PRODUCTS = 5;
const USER_REVIEWS = 3;
const PRODUCT_REVIEWS = 4;

export const DEEP_QUERY = `fragment U on User { id username name }
fragment R on Review { id body }
fragment P on Product { upc name price weight inStock shippingEstimate }
query Deep {
  users(first: ${USERS}) { ...U reviews(first: ${USER_REVIEWS}) { ...R product { ...P reviews(first: ${PRODUCT_REVIEWS}) { ...R author { ...U reviews(first: ${USER_REVIEWS}) { ...R product { ...P } } } } } } }
  topProducts(first: ${TOP_PRODUCTS}) { ...P reviews(first: ${PRODUCT_REVIEWS}) { ...R author { ...U reviews(first: ${USER_REVIEWS}) { ...R product { ...P } } } } }
}`;

const reviews = seedReviews();
const ofAuthor = (id: string) => reviews.filter((r) => r.authorId === id);
const ofProduct = (upc: string) => reviews.filter((r) => r.upc === upc);

const user = (id: string) => {
  const { name, username } = deepUser(numberOf(id));
  return { id, username, name };
};
const product = (upc: string) => {
  const { name, price, weight } = deepProduct(numberOf(upc));
  return { upc, name, price, weight, inStock: stock(numberOf(upc)).inStock, shippingEstimate: shippingEstimate(price, weight) };
};
const text = (r: Review) => ({ id: r.id, body: r.body });

/** `author { ...U reviews(first) { ...R product { ...P } } }` */
const authorWithReviews = (id: string) => ({ ...user(id), reviews: ofAuthor(id).slice(0, USER_REVIEWS).map((r) => ({ ...text(r), product: product(r.upc) })) });
/** `...P reviews(first) { ...R author { … } }` */
const productWithReviews = (upc: string) => ({ ...product(upc), reviews: ofProduct(upc).slice(0, PRODUCT_REVIEWS).map((r) => ({ ...text(r), author: authorWithReviews(r.authorId) })) });

export const DEEP_EXPECTED = {
  users: Array.from({ length: USERS }, (_, i) => {
    const id = deepUser(i + 1).id;
    return { ...user(id), reviews: ofAuthor(id).slice(0, USER_REVIEWS).map((r) => ({ ...text(r), product: productWithReviews(r.upc) })) };
  }),
  topProducts: Array.from({ length: TOP_PRODUCTS }, (_, i) => productWithReviews(deepProduct(i + 1).upc)),
};
