import { GraphQLError, valueFromASTUntyped, type DirectiveNode } from 'graphql';
import type { CostAnalysis, CostNode } from './analyze.js';

type Variables = Readonly<Record<string, unknown>>;

function conditionValue(directive: DirectiveNode, variables: Variables): boolean {
  const arg = directive.arguments?.find((a) => a.name.value === 'if');
  return arg ? valueFromASTUntyped(arg.value, variables) === true : false;
}

function included(node: CostNode, variables: Variables): boolean {
  if (node.conditions.length === 0) return true;
  return node.conditions.some((set) =>
    set.every((d) => (d.name.value === 'skip' ? !conditionValue(d, variables) : conditionValue(d, variables))),
  );
}

/** The size a field's slicing arguments ask for: the largest given, else `assumedSize`, else the default. */
function requestedSize(node: CostNode, variables: Variables, defaultListSize: number): number {
  const given = node.slicing
    .map(({ value }) => valueFromASTUntyped(value, variables))
    .filter((v): v is number => typeof v === 'number');
  if (node.listSize?.requireOneSlicingArgument && node.listSize.slicingArguments.length > 0 && given.length !== 1) {
    throw new GraphQLError(
      `Field "${node.name}" needs exactly one of its slicing arguments (${node.listSize.slicingArguments.join(', ')}) to estimate its cost`,
      { extensions: { code: 'BAD_USER_INPUT' } },
    );
  }
  if (given.length) return Math.max(0, ...given);
  return node.listSize?.assumedSize ?? defaultListSize;
}

function estimateNode(node: CostNode, variables: Variables, defaultListSize: number, sizedByParent?: number): number {
  if (!included(node, variables)) return 0;
  const size = node.listSize ? requestedSize(node, variables, defaultListSize) : undefined;
  const sizesChildren = (node.listSize?.sizedFields.length ?? 0) > 0;
  let instances = 1;
  if (node.listDepth > 0) instances = (sizedByParent ?? (sizesChildren ? undefined : size) ?? defaultListSize) ** node.listDepth;
  let children = 0;
  for (const child of node.children) {
    const childSize = sizesChildren && node.listSize!.sizedFields.includes(child.name) ? size : undefined;
    children += estimateNode(child, variables, defaultListSize, childSize);
  }
  return instances * (node.weight + children);
}

/** The estimated cost of an operation before it runs (throws BAD_USER_INPUT for a missing slicing argument). */
export function estimateCost(analysis: CostAnalysis, variables: Variables, defaultListSize: number): number {
  return analysis.roots.reduce((sum, node) => sum + estimateNode(node, variables, defaultListSize), 0);
}

function actualNode(node: CostNode, value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + actualNode(node, item), 0);
  let cost = node.weight;
  if (typeof value === 'object') {
    for (const child of node.children) cost += actualNode(child, (value as Record<string, unknown>)[child.key]);
  }
  return cost;
}

/** The cost of what was actually returned: the same weights, with the real list lengths. */
export function actualCost(analysis: CostAnalysis, data: Record<string, unknown> | null | undefined): number {
  if (!data) return 0;
  return analysis.roots.reduce((sum, node) => sum + actualNode(node, data[node.key]), 0);
}
