import {
  getNamedType,
  isAbstractType,
  isCompositeType,
  isEnumType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  visit,
} from 'graphql';
import { shapeError } from './errors.js';
import { own } from './merge.js';

/**
 * The client's operation compiled for shaping the merged subgraph answers into its response, the way
 * @apollo/gateway's `computeResponse` does (resultShaping.js): the client's aliases, field order and
 * `__typename`s, type conditions by each object's `__typename`, leaf values checked against their
 * types, nulls propagated through non-null positions. Fields are collected once per (selection set,
 * runtime type, values of the @skip/@include variables), not per object.
 */

/** How a leaf value is checked (federation-internals' `isValidLeafValue`). */
type Leaf = 'custom' | 'Boolean' | 'Int' | 'ID' | 'Float' | 'String' | { enum: ReadonlySet<string> };

interface FieldShape {
  readonly responseName: string;
  /** A `__typename` (maybe aliased): the object's type name. */
  readonly typename: boolean;
  /** The type the field was selected on (fragment condition or the object's type), for messages. */
  readonly parentType: GraphQLNamedType;
  readonly type: GraphQLOutputType;
  readonly leaf?: Leaf;
  /** The field's selections, every occurrence's, in order. */
  readonly sub?: SelectionShape;
}

/** Where a value does not fit its type: null, and the error is recorded (`hasErrors` in Apollo's words). */
const ERRORED = Symbol('errored');
/** Null in a non-null position: the parent becomes null too. */
const INVALID = Symbol('invalid');
type Completed = unknown;

const BUILT_IN: Record<string, Leaf> = { Boolean: 'Boolean', Int: 'Int', ID: 'ID', Float: 'Float', String: 'String' };
const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;

function leafOf(type: GraphQLNamedType): Leaf {
  if (isEnumType(type)) return { enum: new Set(type.getValues().map((v) => v.name)) };
  return BUILT_IN[type.name] ?? 'custom';
}

function validLeaf(leaf: Leaf, value: unknown): boolean {
  if (leaf === 'custom') return true;
  if (typeof value === 'boolean') return leaf === 'Boolean';
  if (typeof value === 'number' && Number.isFinite(value)) {
    if (leaf === 'Int' || leaf === 'ID') return INTEGER.test(String(value));
    return leaf === 'Float';
  }
  if (typeof value === 'string') {
    if (typeof leaf === 'object') return leaf.enum.has(value);
    return leaf !== 'Boolean' && leaf !== 'Int' && leaf !== 'Float';
  }
  return false;
}

/** What every shape of one document shares: the schema, fragments, and the variables' values. */
interface Compilation {
  readonly schema: GraphQLSchema;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  readonly variables: Readonly<Record<string, unknown>>;
}

function included(node: { directives?: readonly { name: { value: string }; arguments?: readonly any[] }[] }, variables: Readonly<Record<string, unknown>>): boolean {
  if (!node.directives?.length) return true;
  for (const directive of node.directives) {
    const name = directive.name.value;
    if (name !== 'skip' && name !== 'include') continue;
    const arg = directive.arguments?.find((a) => a.name.value === 'if')?.value;
    const value = arg?.kind === Kind.VARIABLE ? variables[arg.name.value] : arg?.kind === Kind.BOOLEAN ? arg.value : undefined;
    if (typeof value !== 'boolean') throw new Error(`Unexpected value ${String(value)} for the condition of @${name}`);
    if (name === 'skip' ? value : !value) return false;
  }
  return true;
}

/** True when an object of runtime type `runtime` matches a type condition (federation-internals' `isSubtype`). */
function applies(schema: GraphQLSchema, condition: string | undefined, runtime: GraphQLNamedType | undefined): boolean {
  if (!condition) return true;
  if (!runtime) return false;
  if (condition === runtime.name) return true;
  const type = schema.getType(condition);
  return !!type && isAbstractType(type) && (isObjectType(runtime) || isInterfaceType(runtime)) && schema.isSubType(type, runtime);
}

/** One selection set (all occurrences of a field merged), its fields collected per runtime type. */
export class SelectionShape {
  private readonly byType = new Map<string, FieldShape[]>();

  constructor(
    private readonly compilation: Compilation,
    private readonly sets: readonly SelectionSetNode[],
  ) {}

  fieldsFor(runtime: GraphQLNamedType | undefined, runtimeName: string): FieldShape[] {
    let fields = this.byType.get(runtimeName);
    if (!fields) this.byType.set(runtimeName, (fields = this.collect(runtime)));
    return fields;
  }

  private collect(runtime: GraphQLNamedType | undefined): FieldShape[] {
    const { schema, fragments, variables } = this.compilation;
    const order: string[] = [];
    const found = new Map<string, { parent: GraphQLNamedType; nodes: FieldNode[] }>();
    const visit = (selections: readonly SelectionNode[], parent: GraphQLNamedType | undefined) => {
      for (const selection of selections) {
        if (!included(selection, variables)) continue;
        if (selection.kind === Kind.FIELD) {
          const responseName = selection.alias?.value ?? selection.name.value;
          const entry = found.get(responseName);
          if (entry) entry.nodes.push(selection);
          else if (parent) {
            order.push(responseName);
            found.set(responseName, { parent, nodes: [selection] });
          }
          continue;
        }
        const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
        if (!fragment) continue;
        const condition = fragment.typeCondition?.name.value;
        if (!applies(schema, condition, runtime)) continue;
        visit(fragment.selectionSet.selections, condition ? schema.getType(condition) : parent);
      }
    };
    for (const set of this.sets) visit(set.selections, runtime);
    return order.map((responseName) => this.field(responseName, found.get(responseName)!));
  }

  private field(responseName: string, { parent, nodes }: { parent: GraphQLNamedType; nodes: FieldNode[] }): FieldShape {
    const name = nodes[0].name.value;
    if (name === '__typename') return { responseName, typename: true, parentType: parent, type: parent as GraphQLOutputType };
    const definition = 'getFields' in parent ? (parent as GraphQLCompositeType & { getFields(): Record<string, { type: GraphQLOutputType }> }).getFields()[name] : undefined;
    if (!definition) throw new Error(`Cannot query field "${name}" on type "${parent.name}"`);
    const named = getNamedType(definition.type);
    if (isCompositeType(named)) {
      const sets = nodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
      return { responseName, typename: false, parentType: parent, type: definition.type, sub: new SelectionShape(this.compilation, sets) };
    }
    return { responseName, typename: false, parentType: parent, type: definition.type, leaf: leafOf(named) };
  }
}

/** The shaped response's data and the value-completion errors (Apollo's `extensions.valueCompletion`). */
export interface Shaped {
  data: Record<string, unknown> | null;
  errors: Error[];
}


function describe(path: (string | number)[], type: GraphQLOutputType | GraphQLNamedType, parent: GraphQLNamedType): string {
  const last = path[path.length - 1];
  return typeof last === 'string' ? `field ${parent.name}.${last}` : `array element of type ${String(type)} at index ${last}`;
}

/** Shapes one response: walks the merged answers once, building the client's objects. */
class Shaper {
  readonly errors: Error[] = [];
  private readonly path: (string | number)[] = [];

  constructor(private readonly schema: GraphQLSchema) {}

  /** Fills `output` from `input`; false when a non-null field is null (the object becomes null). */
  object(input: Record<string, unknown>, fields: readonly FieldShape[], output: Record<string, unknown>): boolean {
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i];
      const name = field.responseName;
      let value = own(input, name);
      if (value === undefined) value = null;
      if (field.typename) {
        if (value === null && name !== '__typename') value = input.__typename ?? null;
        const type = typeof value === 'string' ? (this.schema.getType(value) ?? field.parentType) : field.parentType;
        if (!isObjectType(type)) return false;
        output[name] = type.name;
        continue;
      }
      this.path.push(name);
      const completed = this.value(field.type, value, field);
      this.path.pop();
      if (completed === INVALID) {
        output[name] = null;
        return false;
      }
      output[name] = completed === ERRORED ? null : completed;
    }
    return true;
  }

  private value(type: GraphQLOutputType, input: unknown, field: FieldShape): Completed {
    if (isNonNullType(type)) {
      const inner = this.value(type.ofType, input, field);
      if (inner === null) {
        this.errors.push(shapeError(`Cannot return null for non-nullable ${describe(this.path, type.ofType, field.parentType)}.`, this.path));
        return INVALID;
      }
      return inner === ERRORED ? INVALID : inner;
    }
    if (input === null) return null;
    if (isListType(type)) {
      if (!Array.isArray(input)) throw new Error(`Invalid non-list value ${String(input)} returned by subgraph for list type ${String(type)}`);
      const out = new Array(input.length);
      let nullify = false;
      for (let i = 0; i < input.length; i++) {
        this.path.push(i);
        const element = input[i];
        const completed = this.value(type.ofType, element === undefined ? null : element, field);
        this.path.pop();
        if (completed === INVALID) nullify = true;
        out[i] = completed === ERRORED || completed === INVALID ? null : completed;
      }
      return nullify ? ERRORED : out;
    }
    if (field.sub) {
      if (typeof input !== 'object') throw new Error(`Invalid non-object value ${String(input)} returned by subgraph for composite type ${String(type)}`);
      const typename = (input as Record<string, unknown>).__typename;
      let runtime = type as GraphQLNamedType;
      if (typename !== undefined) {
        if (typeof typename !== 'string') throw new Error(`Invalid non-string value ${String(typename)} for __typename at ${this.path.join(',')}`);
        if (typename) {
          const named = this.schema.getType(typename);
          if (!named || !isCompositeType(named)) {
            this.errors.push(shapeError(`Invalid __typename found for object at ${describe(this.path, type, field.parentType)}.`, this.path));
            return ERRORED;
          }
          runtime = named;
        }
      }
      const output: Record<string, unknown> = {};
      return this.object(input as Record<string, unknown>, field.sub.fieldsFor(runtime, runtime.name), output) ? output : ERRORED;
    }
    if (validLeaf(field.leaf!, input)) return input;
    this.errors.push(shapeError(`Invalid value found for ${describe(this.path, type, field.parentType)}.`, this.path));
    return ERRORED;
  }
}

/** One client operation, compiled: its shapes per values of the variables @skip/@include read. */
export interface CompiledOperation {
  /** True when a root field is `__schema` or `__type`: introspection is left to @apollo/gateway. */
  readonly introspects: boolean;
  shape(input: Record<string, unknown>, variables: Readonly<Record<string, unknown>>): Shaped;
}

/** The variables read by @skip/@include anywhere in the document. */
function conditionVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  visit(document, {
    Directive(node) {
      if (node.name.value !== 'skip' && node.name.value !== 'include') return;
      for (const arg of node.arguments ?? []) if (arg.value.kind === Kind.VARIABLE) names.add(arg.value.name.value);
    },
  });
  return [...names].sort();
}

function introspects(definition: OperationDefinitionNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>): boolean {
  const seen = new Set<string>();
  const walk = (selections: readonly SelectionNode[]): boolean =>
    selections.some((s) => {
      if (s.kind === Kind.FIELD) return s.name.value === '__schema' || s.name.value === '__type';
      if (s.kind === Kind.INLINE_FRAGMENT) return walk(s.selectionSet.selections);
      if (seen.has(s.name.value)) return false;
      seen.add(s.name.value);
      const fragment = fragments.get(s.name.value);
      return !!fragment && walk(fragment.selectionSet.selections);
    });
  return walk(definition.selectionSet.selections);
}

/** Shapes kept per document, one per combination of @skip/@include values seen. */
const MAX_KEPT_SIGNATURES = 32;

export function compileOperation(schema: GraphQLSchema, document: DocumentNode, definition: OperationDefinitionNode): CompiledOperation {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const conditions = conditionVariables(document);
  const root = schema.getRootType(definition.operation)!;
  const bySignature = new Map<string, SelectionShape>();
  return {
    introspects: introspects(definition, fragments),
    shape(input, variables) {
      const signature = conditions.length ? conditions.map((name) => (variables[name] ? '1' : '0')).join('') : '';
      let shape = bySignature.get(signature);
      if (!shape) {
        shape = new SelectionShape({ schema, fragments, variables: { ...variables } }, [definition.selectionSet]);
        // 2^n combinations of n conditions: past a few, a combination is shaped without being kept.
        if (bySignature.size < MAX_KEPT_SIGNATURES) bySignature.set(signature, shape);
      }
      const shaper = new Shaper(schema);
      const typename = input.__typename;
      const runtime = typeof typename === 'string' ? schema.getType(typename) : root;
      const data: Record<string, unknown> = {};
      const ok = shaper.object(input, shape.fieldsFor(runtime ?? undefined, typeof typename === 'string' ? typename : root.name), data);
      return { data: ok ? data : null, errors: shaper.errors };
    },
  };
}
