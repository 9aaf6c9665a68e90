import {
  getNamedType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type DirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { CostSchema, ListSize } from './cost-schema.js';

/** A field of the operation, with fragments flattened and fields of one response key merged. */
export interface CostNode {
  key: string;
  name: string;
  /** Cost of one instance. */
  weight: number;
  /** How many list levels the field's type has (0 for a single value). */
  listDepth: number;
  listSize?: ListSize;
  /** The slicing arguments as written (a literal or a variable). */
  slicing: Array<{ name: string; value: ValueNode }>;
  /** The field is counted when any of these `@skip`/`@include` sets lets it through (an empty set always does). */
  conditions: DirectiveNode[][];
  children: CostNode[];
}

export interface CostAnalysis {
  operation: OperationDefinitionNode;
  roots: CostNode[];
}

/** Mutation root fields cost this unless `@cost` says otherwise (cost spec). */
export const MUTATION_ROOT_WEIGHT = 10;

function listDepth(type: GraphQLOutputType): number {
  let depth = 0;
  let inner: GraphQLOutputType = isNonNullType(type) ? type.ofType : type;
  while (isListType(inner)) {
    depth++;
    inner = isNonNullType(inner.ofType) ? inner.ofType.ofType : inner.ofType;
  }
  return depth;
}

const conditionsOf = (directives: readonly DirectiveNode[] | undefined) =>
  (directives ?? []).filter((d) => d.name.value === 'skip' || d.name.value === 'include');

function merge(into: CostNode[], node: CostNode): void {
  const same = into.find((n) => n.key === node.key);
  if (!same) {
    into.push(node);
    return;
  }
  same.conditions = same.conditions.length === 0 || node.conditions.length === 0 ? [] : [...same.conditions, ...node.conditions];
  for (const child of node.children) merge(same.children, child);
}

/** The operation's cost tree, computed once per document; variables are applied per request. */
export function analyzeCost(costSchema: CostSchema, document: DocumentNode, operation: OperationDefinitionNode): CostAnalysis {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);

  const collect = (set: SelectionSetNode, parent: GraphQLNamedType, inherited: DirectiveNode[], into: CostNode[], spreading: Set<string>, root: boolean) => {
    for (const selection of set.selections) {
      const conditions = [...inherited, ...conditionsOf(selection.directives)];
      if (selection.kind === Kind.FIELD) {
        if (!(isObjectType(parent) || isInterfaceType(parent))) continue;
        const field = parent.getFields()[selection.name.value];
        if (!field) continue;
        const listSize = costSchema.listSize(parent, field);
        const node: CostNode = {
          key: selection.alias?.value ?? selection.name.value,
          name: selection.name.value,
          weight:
            root && operation.operation === 'mutation'
              ? (costSchema.ownWeight(field) ?? MUTATION_ROOT_WEIGHT)
              : costSchema.weight(parent, field),
          listDepth: listDepth(field.type),
          listSize,
          slicing: (selection.arguments ?? [])
            .filter((a) => listSize?.slicingArguments.includes(a.name.value))
            .map((a) => ({ name: a.name.value, value: a.value })),
          conditions: conditions.length ? [conditions] : [],
          children: [],
        };
        if (selection.selectionSet) collect(selection.selectionSet, getNamedType(field.type), [], node.children, spreading, false);
        merge(into, node);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? costSchema.schema.getType(selection.typeCondition.name.value) : parent;
        if (type) collect(selection.selectionSet, type, conditions, into, spreading, root);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || spreading.has(fragment.name.value)) continue;
        const type = costSchema.schema.getType(fragment.typeCondition.name.value);
        if (type) collect(fragment.selectionSet, type, conditions, into, new Set([...spreading, fragment.name.value]), root);
      }
    }
  };

  const roots: CostNode[] = [];
  const rootType = costSchema.schema.getRootType(operation.operation);
  if (rootType) collect(operation.selectionSet, rootType, [], roots, new Set(), true);
  return { operation, roots };
}
