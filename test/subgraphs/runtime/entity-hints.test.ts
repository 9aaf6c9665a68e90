import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { withInheritedEntityHints } from '../../../subgraphs/runtime/entity-hints.js';

const typeDefs = parse(`
  type User @key(fields: "id") @cacheControl(inheritMaxAge: true) { id: ID! todos: [Todo!]! @cacheControl(maxAge: 10, scope: PRIVATE) }
  type Todo @key(fields: "id") @cacheControl(maxAge: 30) { id: ID! }
  type Query { todo: Todo }
`);

const infoRecording = () => {
  const hints: unknown[] = [];
  return { hints, info: { cacheControl: { cacheHint: { restrict: (hint: unknown) => hints.push(hint) } } } };
};

describe('entities that inherit their hint, in an entity fetch', () => {
  it("limit the fetch to no less than the subgraph's largest maxAge, then resolve as before", async () => {
    const resolvers = withInheritedEntityHints({ User: { __resolveReference: ({ id }: { id: string }) => ({ id, seen: true }) } }, typeDefs);
    const { hints, info } = infoRecording();
    const resolved = (resolvers.User as any).__resolveReference({ id: 'u1' }, {}, info);
    expect(resolved).toEqual({ id: 'u1', seen: true });
    expect(hints).toEqual([{ maxAge: 30 }]);
  });

  it('get a reference resolver when they had none, and leave other entities alone', () => {
    const resolvers = withInheritedEntityHints({ Todo: { __resolveReference: (r: unknown) => r } }, typeDefs);
    const { hints, info } = infoRecording();
    expect((resolvers.User as any).__resolveReference({ id: 'u2' }, {}, info)).toEqual({ id: 'u2' });
    expect(hints).toEqual([{ maxAge: 30 }]);
    const todo = infoRecording();
    (resolvers.Todo as any).__resolveReference({ id: 't' }, {}, todo.info);
    expect(todo.hints).toEqual([]);
  });

  it('change nothing in a subgraph that declares no maxAge', () => {
    const resolvers = { Query: {} };
    expect(withInheritedEntityHints(resolvers, parse('type User @key(fields: "id") @cacheControl(inheritMaxAge: true) { id: ID! }'))).toBe(resolvers);
  });
});
