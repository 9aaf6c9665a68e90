import { getVariableValues, Kind, visit, type DocumentNode, type GraphQLError, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { refusal } from './refusal.js';

const NO_VARIABLES: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * The operation's variables as execution will see them: coerced by their types, with the
 * operation's defaults applied. What the stages estimate, evict and key by must be what runs:
 * `query($n: Int = 100)` sent without variables asks for 100. (The runner refuses variables that do
 * not coerce before any plugin runs; this form, for tests, leaves them as sent.)
 */
export function executionVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  raw: Readonly<Record<string, unknown>> | undefined,
): Readonly<Record<string, unknown>> {
  const coerced = coerceVariables(schema, operation, raw);
  return 'variables' in coerced ? coerced.variables : (raw ?? {});
}

/** The coerced variables, or the first reason they do not coerce (the client's error: 400 BAD_USER_INPUT). */
export function coerceVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  raw: Readonly<Record<string, unknown>> | undefined,
): { variables: Readonly<Record<string, unknown>> } | { error: GraphQLError } {
  // Variables the operation does not declare are dropped: nothing runs with them, so nothing keys or counts by them.
  if (!operation.variableDefinitions?.length) return { variables: NO_VARIABLES };
  const { coerced, errors } = getVariableValues(schema, operation.variableDefinitions, raw ?? {}, { maxErrors: 1 });
  if (errors) return { error: refusal(errors[0].message, 'BAD_USER_INPUT', 400) };
  return { variables: coerced };
}

/**
 * A variable given as null where `@skip(if:)` or `@include(if:)` needs a Boolean: validation lets a
 * nullable variable with a default stand there, and the gateway itself evaluates the condition while
 * it executes the plan (an HTTP 500 from @apollo/gateway). Refused here as the client's error.
 */
export function refuseNullConditions(document: DocumentNode, variables: Readonly<Record<string, unknown>>): void {
  const nulls = Object.keys(variables).filter((name) => variables[name] === null);
  if (nulls.length === 0) return;
  visit(document, {
    Directive(node) {
      if (node.name.value !== 'skip' && node.name.value !== 'include') return;
      const condition = node.arguments?.find((a) => a.name.value === 'if')?.value;
      if (condition?.kind === Kind.VARIABLE && nulls.includes(condition.name.value)) {
        throw refusal(`Variable "$${condition.name.value}" is null, but @${node.name.value}(if:) needs true or false`, 'BAD_USER_INPUT', 400);
      }
    },
  });
}
