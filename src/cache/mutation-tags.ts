import {
  getNullableType,
  isInputObjectType,
  isListType,
  isScalarType,
  Kind,
  valueFromAST,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { EntityModel } from './entity-keys.js';

function collectIds(type: GraphQLInputType, value: unknown, into: Set<string>): void {
  if (value === null || value === undefined) return;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    if (Array.isArray(value)) for (const item of value) collectIds(nullable.ofType, item, into);
    else collectIds(nullable.ofType, value, into);
  } else if (isInputObjectType(nullable)) {
    const fields = nullable.getFields();
    for (const name of Object.keys(fields)) collectIds(fields[name].type, (value as Record<string, unknown>)[name], into);
  } else if (isScalarType(nullable) && nullable.name === 'ID') {
    into.add(String(value));
  }
}

/**
 * Every `ID` a mutation's root fields are given, wherever it is written: a literal, a variable, a
 * variable's default, inside an input object or a list, in a fragment. Values are as execution sees them
 * (`variables` coerced, defaults applied), so `deleteTodo(id: $id)` with `$id` defaulted is found.
 */
export function mutationArgumentIds(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
): Set<string> {
  const ids = new Set<string>();
  const root = schema.getMutationType();
  if (!root) return ids;
  const fields = root.getFields();
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const spread = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      if (selection.kind === Kind.FRAGMENT_SPREAD && !spread.has(selection.name.value)) {
        spread.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
      if (selection.kind !== Kind.FIELD) continue;
      const field = fields[selection.name.value];
      for (const argument of selection.arguments ?? []) {
        const definition = field?.args.find((a) => a.name === argument.name.value);
        if (definition) collectIds(definition.type, valueFromAST(argument.value, definition.type, variables as Record<string, unknown>), ids);
      }
    }
  };
  walk(operation.selectionSet);
  return ids;
}

/**
 * The tags of an entity a subgraph declared it changed, made the way cached answers were tagged
 * (key fields in the model's order): the entity, its single-field id, and every list of its type
 * (it may have joined or left one).
 */
export function declaredEntityTags(model: EntityModel, type: string, key: Readonly<Record<string, string | number>>): string[] {
  const fields = model.keys.get(type) ?? Object.keys(key);
  if (!fields.every((f) => f in key)) return [`type:${type}`, `l:${type}`];
  const ordered = Object.fromEntries(fields.map((f) => [f, String(key[f])]));
  const tags = [`e:${type}:${JSON.stringify(ordered)}`, `l:${type}`];
  if (fields.length === 1) tags.push(`id:${String(ordered[fields[0]])}`);
  return tags;
}
