import { badUserInput } from './errors.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface Page {
  /** How many nodes to return. */
  limit: number;
  /** The sequence number of the last node already seen, if any. */
  afterSeq?: string;
}

export interface Connection<T> {
  nodes: T[];
  pageInfo: { endCursor: string | null; hasNextPage: boolean };
}

/** An opaque cursor for a row's sequence number. */
export function encodeCursor(seq: string | number | bigint): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

/** Largest sequence number (the columns are PostgreSQL `bigint`). */
const MAX_SEQ = 2n ** 63n - 1n;

/** The sequence number inside a cursor, or BAD_USER_INPUT when it is not one of ours (or out of `bigint` range). */
export function decodeCursor(cursor: string): string {
  const match = /^[A-Za-z0-9_-]+$/.test(cursor) ? /^seq:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString()) : null;
  if (!match || BigInt(match[1]) > MAX_SEQ) throw badUserInput('`after` is not a valid cursor', 'after');
  return match[1];
}

/** Validates `first` and `after`. */
export function parsePageArgs(args: PageArgs): Page {
  const limit = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_PAGE_SIZE) {
    throw badUserInput(`\`first\` must be between 0 and ${MAX_PAGE_SIZE}`, 'first');
  }
  return args.after == null ? { limit } : { limit, afterSeq: decodeCursor(args.after) };
}

/**
 * Builds a connection from up to `limit + 1` rows (the extra row only says that there is a next page).
 */
export function toConnection<R extends { seq: unknown }, T>(
  rows: R[],
  page: Page,
  toNode: (row: R) => T,
): Connection<T> {
  const visible = rows.slice(0, page.limit);
  const last = visible.at(-1);
  return {
    nodes: visible.map(toNode),
    pageInfo: { endCursor: last ? encodeCursor(String(last.seq)) : null, hasNextPage: rows.length > page.limit },
  };
}
