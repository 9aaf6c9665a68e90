import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { withoutSuggestions } from '../../src/server/schema-details.js';

const schema = buildSchema(`
  interface Node { id: ID! }
  type User implements Node { id: ID! name: String! nickname: String }
  enum Status { ACTIVE INACTIVE }
  type Query { node: Node user(id: ID!, status: Status): User users: [User!]! }
`);
const messages = (query: string) => validate(schema, parse(query)).map((error) => error.message);

describe('withoutSuggestions', () => {
  it('drops every kind of suggestion graphql-js makes and keeps the rest of the message', () => {
    const cases: Array<[string, string]> = [
      ['{ user(id: 1) { nmae } }', 'Cannot query field "nmae" on type "User".'],
      ['{ usr(id: 1) { id } }', 'Cannot query field "usr" on type "Query".'],
      ['{ user(idd: 1) { id } }', 'Unknown argument "idd" on field "Query.user".'],
      ['{ user(id: 1, status: ACTIV) { id } }', 'Value "ACTIV" does not exist in "Status" enum.'],
      ['{ node { name } }', 'Cannot query field "name" on type "Node".'],
      ['{ node { ...F } } fragment F on Usr { id }', 'Unknown type "Usr".'],
    ];
    for (const [query, expected] of cases) {
      const [message] = messages(query).filter((m) => m.startsWith(expected.slice(0, 12)));
      expect(message, query).toMatch(/Did you mean/);
      expect(withoutSuggestions(message)).toBe(expected);
    }
  });

  it('drops a suggestion of several names', () => {
    expect(withoutSuggestions('Cannot query field "nam" on type "User". Did you mean "name" or "nickname"?')).toBe('Cannot query field "nam" on type "User".');
    expect(withoutSuggestions('Variable "$i" got invalid value { titel: "x" }; Field "titel" is not defined by type "In". Did you mean "title"?')).toBe(
      'Variable "$i" got invalid value { titel: "x" }; Field "titel" is not defined by type "In".',
    );
  });

  it('leaves a message without suggestions as it is', () => {
    expect(withoutSuggestions('Syntax Error: Expected Name, found "?".')).toBe('Syntax Error: Expected Name, found "?".');
  });
});
