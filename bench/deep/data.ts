// The deep workload's data: users, products, their stock, and reviews linking the two, deterministic
// and small, so that one query nests entities six levels deep across the four subgraphs.

export const DEEP_USER_COUNT = 10;
export const DEEP_PRODUCT_COUNT = 10;
/** Each user writes, and each product receives, REVIEW_COUNT / 10 = 4 reviews. */
export const REVIEW_COUNT = 40;

export interface DeepUser {
  id: string;
  name: string;
  username: string;
}

export interface DeepProduct {
  upc: string;
  name: string;
  price: number;
  weight: number;
}

export interface Stock {
  upc: string;
  inStock: boolean;
}

export interface Review {
  id: string;
  body: string;
  authorId: string;
  upc: string;
}

// Filler for review bodies (no quote marks, and never the word the load generator looks for in a body).
const WORDS = 'sturdy light arrived quickly works as described would buy again the finish is good packaging could be better value for money solid build quiet in use easy to set up'.split(' ');

export function deepUser(n: number): DeepUser {
  return { id: `u${n}`, name: `Reviewer Number ${n}`, username: `reviewer${n}` };
}

export function deepProduct(n: number): DeepProduct {
  return { upc: `p${n}`, name: `Product ${n}`, price: 100 + ((n * 373) % 1400), weight: 1 + ((n * 13) % 50) };
}

export function stock(n: number): Stock {
  return { upc: `p${n}`, inStock: n % 4 !== 0 };
}

/** Inventory's `@requires(fields: "price weight")` field: free shipping above 1000, else by weight. */
export function shippingEstimate(price: number, weight: number): number {
  return price > 1000 ? 0 : Math.round(weight * 0.5);
}

export function review(n: number): Review {
  const length = 14 + (n % 9);
  const body = Array.from({ length }, (_, k) => WORDS[(n * 7 + k * 3) % WORDS.length]).join(' ');
  // Authors go round the users, products round at a different stride: each user reviews 4 different products.
  return { id: `r${n}`, body: `Review ${n}: ${body}.`, authorId: `u${((n - 1) % DEEP_USER_COUNT) + 1}`, upc: `p${((n * 3 + Math.floor((n - 1) / DEEP_USER_COUNT)) % DEEP_PRODUCT_COUNT) + 1}` };
}

export const numberOf = (id: string) => Number(id.slice(1));

export function seedReviews(): Review[] {
  return Array.from({ length: REVIEW_COUNT }, (_, i) => review(i + 1));
}
