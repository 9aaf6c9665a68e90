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
  /** `Type.field`: where list sizes are learned and reported. */
  coordinate: string;
  /** Cost of one instance. */
  weight: number;
  /** How many list levels the field's type has (0 for a single value). */
  listDepth: number;
  listSize?: ListSize;
  /** The slicing arguments as written (a literal or a variable), else the argument's default in the schema. */
  slicing: Array<{ name: string; value?: ValueNode; defaultValue?: unknown }>;
  /**
   * The list's size is not declared (no `assumedSize`, no slicing argument, not sized by its parent):
   * its estimate falls back to the learned or default size, and its real lengths are worth learning.
   */
  undeclaredSize: boolean;
  /** The field is counted when any of these `@skip`/`@include` sets lets it through (an empty set always does). */
  conditions: DirectiveNode[][];
  children: CostNode[];
  /**
   * Fields of other types selected under the same response key (`... on A { x: items(first: 1) }
   * ... on B { x: items(first: 100) }`): each object answers one of them, so the most expensive counts.
   */
  alternatives?: CostNode[];
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
  if (same.coordinate !== node.coordinate) {
    const alternative = same.alternatives?.find((n) => n.coordinate === node.coordinate);
    if (alternative) mergeSame(alternative, node);
    else (same.alternatives ??= []).push(node);
    return;
  }
  mergeSame(same, node);
}

/** Two selections of one field under one response key: one node, counted when either is. */
function mergeSame(same: CostNode, node: CostNode): void {
  same.conditions = same.conditions.length === 0 || node.conditions.length === 0 ? [] : [...same.conditions, ...node.conditions];
  for (const child of node.children) merge(same.children, child);
}

/** The operation's cost tree, computed once per document; variables are applied per request. */
export function analyzeCost(costSchema: CostSchema, document: DocumentNode, operation: OperationDefinitionNode): CostAnalysis {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);

  const collect = (
    set: SelectionSetNode,
    parent: GraphQLNamedType,
    inherited: DirectiveNode[],
    into: CostNode[],
    spreading: Set<string>,
    root: boolean,
    sizedChildren: readonly string[] = [],
  ) => {
    for (const selection of set.selections) {
      const conditions = [...inherited, ...conditionsOf(selection.directives)];
      if (selection.kind === Kind.FIELD) {
        if (!(isObjectType(parent) || isInterfaceType(parent))) continue;
        const field = parent.getFields()[selection.name.value];
        if (!field) continue;
        const listSize = costSchema.listSize(parent, field);
        const depth = listDepth(field.type);
        const node: CostNode = {
          key: selection.alias?.value ?? selection.name.value,
          name: selection.name.value,
          coordinate: `${parent.name}.${field.name}`,
          weight:
            root && operation.operation === 'mutation'
              ? (costSchema.ownWeight(field) ?? MUTATION_ROOT_WEIGHT)
              : costSchema.weight(parent, field),
          listDepth: depth,
          listSize,
          // Execution sees an argument left out as its schema default: so does the estimate.
          slicing: (listSize?.slicingArguments ?? []).flatMap((name): CostNode['slicing'] => {
            const written = selection.arguments?.find((a) => a.name.value === name);
            if (written) return [{ name, value: written.value }];
            const defaultValue = field.args.find((a) => a.name === name)?.defaultValue;
            return defaultValue === undefined ? [] : [{ name, defaultValue }];
          }),
          undeclaredSize:
            depth > 0 && listSize?.assumedSize === undefined && !listSize?.slicingArguments.length && !sizedChildren.includes(field.name),
          conditions: conditions.length ? [conditions] : [],
          children: [],
        };
        if (selection.selectionSet) {
          collect(selection.selectionSet, getNamedType(field.type), [], node.children, spreading, false, listSize?.sizedFields ?? []);
        }
        merge(into, node);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? costSchema.schema.getType(selection.typeCondition.name.value) : parent;
        if (type) collect(selection.selectionSet, type, conditions, into, spreading, root, sizedChildren);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || spreading.has(fragment.name.value)) continue;
        const type = costSchema.schema.getType(fragment.typeCondition.name.value);
        if (type) collect(fragment.selectionSet, type, conditions, into, new Set([...spreading, fragment.name.value]), root, sizedChildren);
      }
    }
  };

  const roots: CostNode[] = [];
  const rootType = costSchema.schema.getRootType(operation.operation);
  if (rootType) collect(operation.selectionSet, rootType, [], roots, new Set(), true);
  return { operation, roots };
}
