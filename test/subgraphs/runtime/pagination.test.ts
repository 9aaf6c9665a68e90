import { describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import { decodeCursor, encodeCursor, parsePageArgs, toConnection } from '../../../subgraphs/runtime/index.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as GraphQLError).extensions.code;
  }
  return undefined;
};

describe('pagination', () => {
  it('round-trips a cursor without exposing the sequence number in clear', () => {
    const cursor = encodeCursor(42);
    expect(cursor).not.toContain('42');
    expect(decodeCursor(cursor)).toBe('42');
  });

  it('defaults first to 20 and accepts 0 to 100', () => {
    expect(parsePageArgs({})).toEqual({ limit: 20 });
    expect(parsePageArgs({ first: 0 }).limit).toBe(0);
    expect(parsePageArgs({ first: 100 }).limit).toBe(100);
  });

  it.each([[-1], [101]])('refuses first = %i with BAD_USER_INPUT', (first) => {
    expect(codeOf(() => parsePageArgs({ first }))).toBe('BAD_USER_INPUT');
  });

  it.each([['garbage!'], [''], [Buffer.from('seq:-1').toString('base64url')], [Buffer.from('42').toString('base64url')]])(
    'refuses the cursor %j with BAD_USER_INPUT',
    (after) => {
      expect(codeOf(() => parsePageArgs({ after }))).toBe('BAD_USER_INPUT');
    },
  );

  it('builds a connection from limit + 1 rows', () => {
    const rows = [{ seq: 3 }, { seq: 2 }, { seq: 1 }];
    const page = toConnection(rows, { limit: 2 }, (row) => row.seq);
    expect(page).toEqual({ nodes: [3, 2], pageInfo: { endCursor: encodeCursor(2), hasNextPage: true } });
    expect(toConnection([], { limit: 2 }, (row: { seq: number }) => row.seq).pageInfo).toEqual({
      endCursor: null,
      hasNextPage: false,
    });
  });
});
