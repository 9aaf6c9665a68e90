import { GraphQLError, valueFromASTUntyped, type DirectiveNode } from 'graphql';
import type { CostAnalysis, CostNode } from './analyze.js';

type Variables = Readonly<Record<string, unknown>>;

/**
 * The size assumed for a list whose size the schema does not declare: one number for every field, or
 * per field coordinate (`Type.field`), e.g. the sizes learned from real answers.
 */
export type UndeclaredListSize = number | ((coordinate: string) => number);

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

const sizeOf = (sizes: UndeclaredListSize, node: CostNode) => (typeof sizes === 'number' ? sizes : sizes(node.coordinate));

/** The size a field's slicing arguments ask for: the largest given, else `assumedSize`, else the fallback. */
function requestedSize(node: CostNode, variables: Variables, sizes: UndeclaredListSize): number {
  const given = node.slicing
    .map(({ value, defaultValue }) => (value ? valueFromASTUntyped(value, variables) : defaultValue))
    .filter((v): v is number => typeof v === 'number');
  if (node.listSize?.requireOneSlicingArgument && node.listSize.slicingArguments.length > 0 && given.length !== 1) {
    throw new GraphQLError(
      `Field "${node.name}" needs exactly one of its slicing arguments (${node.listSize.slicingArguments.join(', ')}) to estimate its cost`,
      { extensions: { code: 'BAD_USER_INPUT' } },
    );
  }
  if (given.length) return Math.max(0, ...given);
  return node.listSize?.assumedSize ?? sizeOf(sizes, node);
}

function estimateNode(node: CostNode, variables: Variables, sizes: UndeclaredListSize, sizedByParent?: number): number {
  const own = estimateOne(node, variables, sizes, sizedByParent);
  if (!node.alternatives) return own;
  return Math.max(own, ...node.alternatives.map((alternative) => estimateOne(alternative, variables, sizes, sizedByParent)));
}

function estimateOne(node: CostNode, variables: Variables, sizes: UndeclaredListSize, sizedByParent?: number): number {
  if (!included(node, variables)) return 0;
  const size = node.listSize ? requestedSize(node, variables, sizes) : undefined;
  const sizesChildren = (node.listSize?.sizedFields.length ?? 0) > 0;
  let instances = 1;
  if (node.listDepth > 0) instances = (sizedByParent ?? (sizesChildren ? undefined : size) ?? sizeOf(sizes, node)) ** node.listDepth;
  let children = 0;
  for (const child of node.children) {
    const childSize = sizesChildren && node.listSize!.sizedFields.includes(child.name) ? size : undefined;
    children += estimateNode(child, variables, sizes, childSize);
  }
  return instances * (node.weight + children);
}

/**
 * The estimated cost of an operation before it runs, with the variables as execution sees them
 * (coerced, defaults applied). Throws BAD_USER_INPUT for a missing required slicing argument.
 */
export function estimateCost(analysis: CostAnalysis, variables: Variables, sizes: UndeclaredListSize): number {
  return analysis.roots.reduce((sum, node) => sum + estimateNode(node, variables, sizes), 0);
}

/** Called with the length of every list of undeclared size in an answer. */
export type ListObserver = (coordinate: string, length: number) => void;

function actualNode(node: CostNode, value: unknown, observe: ListObserver | undefined): number {
  const own = actualOne(node, value, observe);
  if (!node.alternatives) return own;
  return Math.max(own, ...node.alternatives.map((alternative) => actualOne(alternative, value, undefined)));
}

function actualOne(node: CostNode, value: unknown, observe: ListObserver | undefined): number {
  if (value === undefined || value === null) return 0;
  if (Array.isArray(value)) {
    if (observe && node.undeclaredSize) observe(node.coordinate, value.length);
    // A loop, not reduce: this walks every value of every answer.
    let sum = 0;
    for (let i = 0; i < value.length; i++) sum += actualOne(node, value[i], observe);
    return sum;
  }
  // A composite field answered with a scalar is another alternative's value (see `alternatives`).
  if (node.children.length > 0 && typeof value !== 'object') return 0;
  let cost = node.weight;
  if (typeof value === 'object') {
    for (const child of node.children) cost += actualNode(child, (value as Record<string, unknown>)[child.key], observe);
  }
  return cost;
}

/** The cost of what was actually returned: the same weights, with the real list lengths. */
export function actualCost(analysis: CostAnalysis, data: Record<string, unknown> | null | undefined, observe?: ListObserver): number {
  if (!data) return 0;
  return analysis.roots.reduce((sum, node) => sum + actualNode(node, data[node.key], observe), 0);
}
