import type { FetchDataRewrite, QueryPlanSelectionNode, ResponsePath } from '@apollo/query-planner';
import { isAbstractType, isInterfaceType, isObjectType, type GraphQLSchema } from 'graphql';

/**
 * The subgraphs' answers merged into one tree, in place: each request parsed its own answers, so the
 * tree is made of them, never copied. The same rules as @apollo/gateway's `deepMerge`, `flattenResultsAtPath`,
 * `executeSelectionSet` (representations) and `applyRewrites` (dataRewrites.js).
 */

type Json = Record<string, unknown>;

const hasOwn = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);
/** An own property's value (never one inherited from Object.prototype). */
export const own = (object: object, key: string): unknown => (hasOwn(object, key) ? (object as Json)[key] : undefined);
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Sets an own property. Assigning any other Object.prototype name (`constructor`, `toString`) makes an
 * own property already; only `__proto__` is an accessor, which would set the prototype instead.
 */
function setOwn(target: Json, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { configurable: true, enumerable: true, writable: true, value });
  else target[key] = value;
}

/** A copy of a parsed JSON value down to its leaves: every object and list new, scalars shared. */
function deepCopy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(deepCopy);
  const copy: Json = {};
  for (const key in value as Json) setOwn(copy, key, deepCopy((value as Json)[key]));
  return copy;
}

/**
 * An entity's answer to merge into one more entity: its objects and lists copied, so that nothing
 * merged later into one entity reaches the other. The answer itself when it holds none (the usual
 * case: scalars only), since merging copies its fields one by one.
 */
export function copyOfContainers<T extends Json | null>(answer: T): T {
  if (!answer) return answer;
  let copy: Json | undefined;
  for (const key in answer) {
    const field = answer[key];
    if (typeof field !== 'object' || field === null) continue;
    copy ??= { ...answer };
    setOwn(copy, key, deepCopy(field));
  }
  return (copy ?? answer) as T;
}

/** Merges `source` into `target`: objects field by field, lists of the same length element by element. */
export function deepMerge(target: Json, source: unknown): Json {
  if (source === undefined || source === null) return target;
  const from = source as Json;
  for (const key in from) {
    const value = from[key];
    if (value === undefined || !hasOwn(from, key)) continue;
    const existing = hasOwn(target, key) ? target[key] : undefined;
    // Already the same object: an answer shared by several entities (see representations.ts), merged before.
    if (existing === value) continue;
    if (existing && isObject(value)) {
      deepMerge(existing as Json, value);
    } else if (Array.isArray(value) && Array.isArray(existing) && value.length === existing.length) {
      for (let i = 0; i < value.length; i++) {
        if (isObject(existing[i]) && isObject(value[i])) deepMerge(existing[i] as Json, value[i]);
        else existing[i] = value[i];
      }
    } else {
      setOwn(target, key, value);
    }
  }
  return target;
}

function collect(value: unknown, path: ResponsePath, i: number, out: unknown[]): void {
  if (i === path.length || value === null || value === undefined) {
    if (Array.isArray(value)) for (const element of value) out.push(element);
    else out.push(value);
    return;
  }
  const step = path[i];
  if (step === '@') {
    if (!Array.isArray(value)) throw new TypeError(`Expected a list in the result at ${path.slice(0, i).join('.')}`);
    for (const element of value) collect(element, path, i + 1, out);
    return;
  }
  if (typeof step !== 'string') throw new Error(`Unexpected ${typeof step} found in path`);
  if (Array.isArray(value)) throw new Error(`Unexpected array in result for path element ${step}`);
  collect(own(value as object, step), path, i + 1, out);
}

/**
 * The values at `path` below each of `data` (`@` steps into every element of a list): the entities a
 * Flatten node's fetch works on, or undefined when there is nothing there.
 */
export function valuesAt(data: unknown, path: ResponsePath): unknown {
  if (path.length === 0 || data === null || data === undefined) return data;
  if (!path.includes('@')) {
    let value: unknown = data;
    for (const step of path) {
      if (value === null || value === undefined) return value;
      if (Array.isArray(value)) throw new Error(`Unexpected array in result for path element ${String(step)}`);
      value = own(value as object, step as string);
    }
    return value;
  }
  const out: unknown[] = [];
  collect(data, path, 0, out);
  return out;
}

/** The objects a fetch works on: the cursor's value, or its non-null elements. */
export function entitiesOf(data: unknown): Json[] {
  if (!Array.isArray(data)) return [data as Json];
  const entities: Json[] = [];
  for (const element of data) if (element !== null && element !== undefined) entities.push(element as Json);
  return entities;
}

/** Answers whether an object is of a type condition, by its `__typename`, in the supergraph. */
export function typeMatcher(schema: GraphQLSchema) {
  const known = new Map<string, boolean>();
  return (object: Json, condition: string, whenUnknown = false): boolean => {
    const typename = object.__typename;
    if (!typename) return whenUnknown;
    if (typename === condition) return true;
    const key = `${condition}\u0000${String(typename)}`;
    let answer = known.get(key);
    if (answer === undefined) {
      const type = schema.getType(String(typename));
      const conditional = schema.getType(condition);
      answer = !!type && !!conditional && isAbstractType(conditional) && (isObjectType(type) || isInterfaceType(type)) && schema.isSubType(conditional, type);
      known.set(key, answer);
    }
    return answer;
  };
}
export type TypeMatcher = ReturnType<typeof typeMatcher>;

/** What a fetch with `requires` sends for one entity: null when a required field is missing. */
export function representation(matches: TypeMatcher, source: unknown, selections: readonly QueryPlanSelectionNode[]): Json | null {
  if (source === null) return null;
  const result: Json = {};
  const from = source as Json;
  for (const selection of selections) {
    if (selection.kind === 'Field') {
      const name = selection.alias ?? selection.name;
      const value = own(from, name);
      if (value === undefined) return null;
      const sub = selection.selections;
      if (Array.isArray(value)) result[name] = value.map((v) => (sub ? representation(matches, v, sub) : v));
      else result[name] = sub ? representation(matches, value, sub) : value;
    } else {
      if (!selection.typeCondition || !source) continue;
      if (matches(from, selection.typeCondition)) deepMerge(result, representation(matches, source, selection.selections));
    }
  }
  return result;
}

const FRAGMENT_PREFIX = '... on ';

function applyAtPath(matches: TypeMatcher, path: readonly string[], i: number, value: unknown, apply: (object: Json) => void): void {
  if (Array.isArray(value)) {
    for (const element of value) applyAtPath(matches, path, i, element, apply);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (i === path.length) return apply(value as Json);
  const step = path[i];
  if (step.startsWith(FRAGMENT_PREFIX)) {
    if (matches(value as Json, step.slice(FRAGMENT_PREFIX.length), true)) applyAtPath(matches, path, i + 1, value, apply);
  } else {
    applyAtPath(matches, path, i + 1, own(value as object, step), apply);
  }
}

/** Applies a fetch's input or output rewrites (values set, keys renamed) to `value`, in place. */
export function applyRewrites(matches: TypeMatcher, rewrites: readonly FetchDataRewrite[] | undefined, value: unknown): void {
  if (!rewrites) return;
  for (const rewrite of rewrites) {
    if (rewrite.path.length === 0) continue;
    const parent = rewrite.path.slice(0, -1);
    const field = rewrite.path[rewrite.path.length - 1];
    if (field.startsWith(FRAGMENT_PREFIX)) throw new Error(`Unexpected fragment as last element of ${rewrite.path.join(',')}`);
    const apply =
      rewrite.kind === 'ValueSetter'
        ? (object: Json) => setOwn(object, field, rewrite.setValueTo)
        : (object: Json) => {
            const at = own(object, field);
            if (at) {
              setOwn(object, rewrite.renameKeyTo, at);
              object[field] = undefined;
            }
          };
    applyAtPath(matches, parent, 0, value, apply);
  }
}
