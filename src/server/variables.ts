import { getVariableValues, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';

/**
 * The operation's variables as execution will see them: coerced by their types, with the
 * operation's defaults applied. What the stages estimate, evict and key by must be what runs:
 * `query($n: Int = 100)` sent without variables asks for 100. Variables that do not coerce are
 * refused by execution before any subgraph is called; the stages see them as sent.
 */
export function executionVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  raw: Readonly<Record<string, unknown>> | undefined,
): Readonly<Record<string, unknown>> {
  if (!operation.variableDefinitions?.length) return raw ?? {};
  const { coerced } = getVariableValues(schema, operation.variableDefinitions, raw ?? {}, { maxErrors: 1 });
  return coerced ?? raw ?? {};
}
