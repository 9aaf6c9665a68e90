import {
  getNamedType,
  isListType,
  isNonNullType,
  isInterfaceType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type FragmentSpreadNode,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type InlineFragmentNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { AuthSchema } from './auth-schema.js';
import { NO_REQUIREMENT, isEmpty, type Requirement } from './requirements.js';

/** One step of a response path: a field's response key, or `@` for every item of a list. */
export interface PathStep {
  key: string;
  /** A null here propagates to the parent (GraphQL's null propagation). */
  nonNull: boolean;
}

export type GuardedNode = FieldNode | InlineFragmentNode | FragmentSpreadNode;

/** A selection in the document that needs something of the caller. */
export interface Checkpoint {
  id: number;
  node: GuardedNode;
  requirement: Requirement;
}

/** Where a checkpoint's selection lands in the response (a named fragment may land in several places). */
export interface Occurrence {
  checkpoint: Checkpoint;
  /** For a field, its path; for a fragment, the path of the object it applies to. */
  steps: PathStep[];
  /** Checkpoints above this one: when one of them is denied, this occurrence is moot. */
  ancestors: number[];
}

/** What authorization needs to know about one operation of a document, computed once per document. */
export interface DocumentAnalysis {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  checkpoints: Checkpoint[];
  occurrences: Occurrence[];
}

function typeSteps(key: string, type: GraphQLOutputType): PathStep[] {
  const steps: PathStep[] = [{ key, nonNull: isNonNullType(type) }];
  let inner = isNonNullType(type) ? type.ofType : type;
  while (isListType(inner)) {
    const item = inner.ofType;
    steps.push({ key: '@', nonNull: isNonNullType(item) });
    inner = isNonNullType(item) ? item.ofType : item;
  }
  return steps;
}

/**
 * Finds the selections of an operation that need something of the caller. `introspection` is what
 * `__schema` and `__type` need (nothing by default).
 */
export function analyzeOperation(
  auth: AuthSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  introspection: Requirement = NO_REQUIREMENT,
): DocumentAnalysis {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const checkpoints = new Map<GuardedNode, Checkpoint>();
  const occurrences: Occurrence[] = [];

  const guard = (node: GuardedNode, requirement: Requirement, steps: PathStep[], ancestors: number[]): number[] => {
    if (isEmpty(requirement)) return ancestors;
    let checkpoint = checkpoints.get(node);
    if (!checkpoint) {
      checkpoint = { id: checkpoints.size, node, requirement };
      checkpoints.set(node, checkpoint);
    }
    occurrences.push({ checkpoint, steps, ancestors });
    return [...ancestors, checkpoint.id];
  };

  const walk = (set: SelectionSetNode, parent: GraphQLNamedType, steps: PathStep[], ancestors: number[], spreading: Set<string>) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name === '__schema' || name === '__type') {
          const fieldSteps = [...steps, { key: selection.alias?.value ?? name, nonNull: name === '__schema' }];
          guard(selection, introspection, fieldSteps, ancestors);
          continue;
        }
        if (name.startsWith('__') || !(isObjectType(parent) || isInterfaceType(parent))) continue;
        const field = parent.getFields()[selection.name.value];
        if (!field) continue;
        const fieldSteps = [...steps, ...typeSteps(selection.alias?.value ?? selection.name.value, field.type)];
        const inner = guard(selection, auth.fieldRequirement(parent, field), fieldSteps, ancestors);
        if (selection.selectionSet) walk(selection.selectionSet, getNamedType(field.type), fieldSteps, inner, spreading);
      } else {
        let body: InlineFragmentNode | FragmentDefinitionNode | undefined = undefined;
        let nested = spreading;
        if (selection.kind === Kind.FRAGMENT_SPREAD) {
          body = fragments.get(selection.name.value);
          if (!body || spreading.has(body.name.value)) continue;
          nested = new Set([...spreading, body.name.value]);
        } else {
          body = selection;
        }
        const type = body.typeCondition ? auth.schema.getType(body.typeCondition.name.value) : parent;
        if (!type) continue;
        const requirement = type === parent ? NO_REQUIREMENT : auth.typeRequirement(type);
        walk(body.selectionSet, type, steps, guard(selection, requirement, steps, ancestors), nested);
      }
    }
  };

  const root = auth.schema.getRootType(operation.operation);
  if (root) walk(operation.selectionSet, root, [], [], new Set());
  return { document, operation, checkpoints: [...checkpoints.values()], occurrences };
}
