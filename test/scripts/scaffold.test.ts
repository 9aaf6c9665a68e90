import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compose, readSubgraphList } from '../../src/gateway/compose.js';
import { nameProblem, namesOf } from '../../scripts/scaffold/names.js';
import { nextPort, scaffoldSubgraph, ScaffoldError } from '../../scripts/scaffold/scaffold.js';

function repoCopy(): string {
  const root = mkdtempSync(join(tmpdir(), 'portico-scaffold-'));
  cpSync('schema', join(root, 'schema'), { recursive: true });
  return root;
}

describe('subgraph names', () => {
  it.each(['priorities', 'due-dates', 'v2'])('accepts %s', (name) => expect(nameProblem(name)).toBeUndefined());
  it.each(['Ratings', 'due_dates', '-x', '2fa', 'a--b', 'runtime', 'x'.repeat(31)])('refuses %s', (name) => expect(nameProblem(name)).toBeDefined());
  it('derives identifiers', () => expect(namesOf('due-dates')).toEqual({ name: 'due-dates', pascal: 'DueDates', camel: 'dueDates', snake: 'due_dates' }));
});

describe('nextPort', () => {
  it('takes the port after the highest, at least 4003', () => {
    expect(nextPort(['http://127.0.0.1:4002/graphql', 'http://127.0.0.1:4001/graphql'])).toBe(4003);
    expect(nextPort(['http://127.0.0.1:4001/graphql', 'http://127.0.0.1:4007/graphql'])).toBe(4008);
    expect(nextPort(['https://users.internal/graphql'])).toBe(4003);
  });
});

describe('scaffoldSubgraph', () => {
  it('writes the subgraph, its test and its list entry, and the list still composes', () => {
    const root = repoCopy();
    const { port, files } = scaffoldSubgraph({ root, name: 'due-dates' });
    expect(port).toBe(4003);
    for (const file of files) expect(existsSync(join(root, file))).toBe(true);
    expect(files).toContain('subgraphs/due-dates/main.ts');
    expect(files).toContain('test/subgraphs/due-dates.test.ts');
    expect(readFileSync(join(root, 'subgraphs/due-dates/main.ts'), 'utf8')).toContain("defaultPort: 4003");
    expect(readFileSync(join(root, 'schema/due-dates.graphql'), 'utf8')).toContain('type Todo @key(fields: "id")');
    const entries = readSubgraphList(join(root, 'schema/subgraphs.yaml'));
    expect(entries.at(-1)).toMatchObject({ name: 'due-dates', url: 'http://127.0.0.1:4003/graphql' });
    const outcome = compose(entries);
    expect(outcome.ok && outcome.supergraphSdl).toContain('dueDatesNote: String');
    expect(scaffoldSubgraph({ root, name: 'ratings' }).port).toBe(4004);
  });

  it('refuses a name already in the list, a bad name, and an entity nobody defines', () => {
    const root = repoCopy();
    expect(() => scaffoldSubgraph({ root, name: 'todos' })).toThrow(/a subgraph named "todos" is already in schema\/subgraphs.yaml/);
    expect(() => scaffoldSubgraph({ root, name: 'Bad Name' })).toThrow(ScaffoldError);
    expect(() => scaffoldSubgraph({ root, name: 'notes', entity: 'Invoice' })).toThrow(/no subgraph .* defines type Invoice/);
    expect(existsSync(join(root, 'subgraphs'))).toBe(false);
  });

  it('extends another entity and key when asked', () => {
    const root = repoCopy();
    scaffoldSubgraph({ root, name: 'profiles', entity: 'User', key: 'id' });
    expect(readFileSync(join(root, 'subgraphs/profiles/migrations/001_create_profiles.sql'), 'utf8')).toBe(
      'CREATE TABLE profiles_notes (user_id text PRIMARY KEY, note text NOT NULL);\n',
    );
    const outcome = compose(readSubgraphList(join(root, 'schema/subgraphs.yaml')));
    expect(outcome.ok).toBe(true);
  });
});
