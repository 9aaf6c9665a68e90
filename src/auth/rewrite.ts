import { getOperationAST, Kind, print, visit, type ASTNode, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { DocumentAnalysis, Occurrence, PathStep } from './analyze.js';

/** Stands in for a selection set whose every selection was removed; stripped from the response. */
export const PLACEHOLDER = 'portico__empty';

const placeholder: SelectionSetNode['selections'][number] = {
  kind: Kind.FIELD,
  alias: { kind: Kind.NAME, value: PLACEHOLDER },
  name: { kind: Kind.NAME, value: '__typename' },
};

export interface RewrittenDocument {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** Printed form, for a hash that differs from the original's. */
  source: string;
  usesPlaceholder: boolean;
}

/** The document without the denied selections, still valid GraphQL. */
export function removeSelections(analysis: DocumentAnalysis, denied: ReadonlySet<number>): RewrittenDocument {
  const removed = new Set<ASTNode>(analysis.checkpoints.filter((c) => denied.has(c.id)).map((c) => c.node));
  let usesPlaceholder = false;
  const drop = (node: ASTNode) => (removed.has(node) ? null : undefined);
  const document = visit(analysis.document, {
    Field: { enter: drop },
    InlineFragment: { enter: drop },
    FragmentSpread: { enter: drop },
    SelectionSet: {
      leave(node) {
        if (node.selections.length > 0) return undefined;
        usesPlaceholder = true;
        return { ...node, selections: [placeholder] };
      },
    },
  });
  const operation = getOperationAST(document, analysis.operation.name?.value);
  if (!operation) throw new Error('authorization rewrite lost the operation');
  return { document, operation, source: print(document), usesPlaceholder };
}

/** The occurrences to report: denied, and not inside another denied selection. */
export function deniedOccurrences(analysis: DocumentAnalysis, denied: ReadonlySet<number>): Occurrence[] {
  return analysis.occurrences.filter((o) => denied.has(o.checkpoint.id) && !o.ancestors.some((a) => denied.has(a)));
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Sets the removed field to null wherever it would have been, and propagates nulls through
 * non-null positions as GraphQL does. Returns true when the container itself must become null.
 */
function nullAt(container: Json, steps: PathStep[], index: number): boolean {
  if (container === null || typeof container !== 'object') return false;
  const step = steps[index];
  if (step.key === '@') {
    if (!Array.isArray(container)) return false;
    let nullSelf = false;
    for (let i = 0; i < container.length; i++) {
      if (nullAt(container[i], steps, index + 1)) {
        container[i] = null;
        if (step.nonNull) nullSelf = true;
      }
    }
    return nullSelf;
  }
  if (Array.isArray(container)) return false;
  const last = index === steps.length - 1 || steps.slice(index + 1).every((s) => s.key === '@');
  if (last) {
    container[step.key] = null;
    return step.nonNull;
  }
  if (!(step.key in container)) return false;
  if (nullAt(container[step.key], steps, index + 1)) {
    container[step.key] = null;
    return step.nonNull;
  }
  return false;
}

/** Places nulls for removed fields in `data`; returns the new data (null when the root nulls out). */
export function nullRemovedFields(data: Record<string, unknown> | null | undefined, occurrences: Occurrence[]): Record<string, unknown> | null | undefined {
  if (!data) return data;
  for (const occurrence of occurrences) {
    if (occurrence.checkpoint.node.kind !== Kind.FIELD) continue;
    if (nullAt(data as Json, occurrence.steps, 0)) return null;
  }
  return data;
}

export function stripPlaceholders(value: unknown): void {
  if (Array.isArray(value)) {
    value.forEach(stripPlaceholders);
  } else if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    delete record[PLACEHOLDER];
    Object.values(record).forEach(stripPlaceholders);
  }
}

export const responsePath = (steps: PathStep[]) => steps.map((s) => s.key);
