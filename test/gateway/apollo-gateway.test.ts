import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { divergedFederationExports } from '../../src/gateway/apollo-gateway.js';
import { graphql, startStack, token } from '../helpers/stack.js';

describe('the flattened @apollo/federation-internals exports', () => {
  it('are what @apollo/gateway uses, and still equal the library’s own after real traffic', async () => {
    const stack = await startStack();
    try {
      const bearer = await token('flat-ann');
      await graphql(stack.url, 'mutation { addTodo(input: { title: "flat" }) { id } }', { token: bearer });
      const list = await graphql(stack.url, '{ todos(first: 5) { nodes { title owner { name } } } }', { token: bearer });
      expect(list.body.data.todos.nodes).toEqual([{ title: 'flat', owner: { name: 'flat-ann' } }]);
    } finally {
      await stack.stop();
    }
    const gatewayRequire = createRequire(createRequire(import.meta.url).resolve('@apollo/gateway'));
    const seen = gatewayRequire('@apollo/federation-internals') as object;
    // A plain object: no getter left between the gateway and the functions it calls per field.
    expect(Object.getOwnPropertyDescriptor(seen, 'isNonNullType')).toHaveProperty('value');
    expect(divergedFederationExports()).toEqual([]);
  });
});
