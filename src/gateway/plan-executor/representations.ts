import type { FetchNode, QueryPlanSelectionNode } from '@apollo/query-planner';
import { applyRewrites, own, representation, type TypeMatcher } from './merge.js';

type Json = Record<string, unknown>;

/** What an entity fetch sends, and which of its entities each representation answers for. */
export interface EntityBatch {
  /** Each distinct representation once (in the order its first entity came, those told apart by text last). */
  readonly representations: Json[];
  /** For representation `n`, the indexes (in the fetch's entities) of every entity it stands for. */
  readonly entitiesOf: number[][];
}

/**
 * The representations of an entity fetch, each distinct one once. In a deep query the same entity
 * turns up under many parents (one product under 18 reviews); the subgraph is asked once and its
 * answer merged into every one of them, as Apollo Router does. Two representations are the same
 * when their keys are (`keyOf`; they are built in the plan's field order, so equal entities give equal keys).
 * Entities without one (no `__typename`, a required field missing) are not sent.
 */
export function entityBatch(matches: TypeMatcher, fetch: FetchNode, entities: readonly Json[]): EntityBatch {
  const flat = fetch.inputRewrites?.length ? undefined : flatShape(fetch.requires!);
  return flat ? flatBatch(matches, fetch, entities, flat) : textBatch(matches, fetch, entities);
}

/**
 * The usual shape (keys and required scalars under one type condition): each entity is found by its
 * values, one field at a time, and a representation built only for one not seen before. Nothing is
 * made per entity (an identity map of the entities would cost more than it saves: a hash per object).
 */
function flatBatch(matches: TypeMatcher, fetch: FetchNode, entities: readonly Json[], flat: FlatShape): EntityBatch {
  const representations: Json[] = [];
  const entitiesOf: number[][] = [];
  const byValues: Trie = new Map();
  const last = flat.names[flat.names.length - 1];
  // Entities with an object or list value: told apart by their keys' text, after the others.
  let byText: number[] | undefined;
  for (let i = 0; i < entities.length; i++) {
    const entity = entities[i];
    const level = flatLevel(matches, entity, flat, byValues);
    if (level === NONE) continue;
    if (level === BY_TEXT) {
      (byText ??= []).push(i);
      continue;
    }
    const value = own(entity, last);
    const known = level.get(value) as number | undefined;
    if (known !== undefined) {
      entitiesOf[known].push(i);
    } else {
      level.set(value, representations.length);
      representations.push(representation(matches, entity, fetch.requires!)!);
      entitiesOf.push([i]);
    }
  }
  if (byText) {
    const indexes = byText;
    const rest = textBatch(matches, fetch, indexes.map((i) => entities[i]));
    for (let n = 0; n < rest.representations.length; n++) {
      representations.push(rest.representations[n]);
      entitiesOf.push(rest.entitiesOf[n].map((j) => indexes[j]));
    }
  }
  return { representations, entitiesOf };
}

/** Any shape: each representation built, and told apart from the others by its key's text (`keyOf`). */
function textBatch(matches: TypeMatcher, fetch: FetchNode, entities: readonly Json[]): EntityBatch {
  const representations: Json[] = [];
  const entitiesOf: number[][] = [];
  const byText = new Map<string, number>();
  // The same object under several parents (an earlier answer merged into each of them) is looked at once.
  const objects = new Map<Json, number>();
  for (let i = 0; i < entities.length; i++) {
    const entity = entities[i];
    const same = objects.get(entity);
    if (same !== undefined) {
      if (same >= 0) entitiesOf[same].push(i);
      continue;
    }
    const made = representation(matches, entity, fetch.requires!);
    if (!made || !made.__typename) {
      objects.set(entity, -1);
      continue;
    }
    applyRewrites(matches, fetch.inputRewrites, made);
    // A rewrite may make two types alike (an @interfaceObject sees a Book and a Movie as one Media):
    // each keeps its own answer, as its own __typename decides how the answer is shaped and rewritten.
    const text = fetch.inputRewrites?.length ? `${encode(entity.__typename ?? null)}|${keyOf(made)}` : keyOf(made);
    const known = byText.get(text);
    if (known !== undefined) {
      entitiesOf[known].push(i);
      objects.set(entity, known);
    } else {
      byText.set(text, representations.length);
      objects.set(entity, representations.length);
      representations.push(made);
      entitiesOf.push([i]);
    }
  }
  return { representations, entitiesOf };
}

/** Maps a flat representation's values, field after field, to its index: no key text is made. */
type Trie = Map<unknown, unknown>;
const NONE = 0;
const BY_TEXT = 1;

/**
 * The level of `trie` where an entity of a flat shape is found by its last field's value; NONE when
 * it has no representation (another type, a field missing, no `__typename`), BY_TEXT when a value is
 * an object or a list. Map keys compare as SameValueZero: a number and a string never meet, 0 and -0
 * do (both are `0` in JSON).
 */
export function flatLevel(matches: TypeMatcher, entity: Json, shape: FlatShape, trie: Trie): Trie | typeof NONE | typeof BY_TEXT {
  if (!matches(entity, shape.typeCondition)) return NONE;
  const { names } = shape;
  let level = trie;
  for (let j = 0; j < names.length; j++) {
    const value = own(entity, names[j]);
    if (value === undefined || (names[j] === '__typename' && !value)) return NONE;
    if (typeof value === 'object' && value !== null) return BY_TEXT;
    if (j === names.length - 1) return level;
    let next = level.get(value) as Trie | undefined;
    if (!next) level.set(value, (next = new Map()));
    level = next;
  }
  return NONE;
}

/**
 * A text that tells representations apart: any two with different JSON get different keys (names
 * are GraphQL names, strings carry their length, objects their JSON's). A few times cheaper than
 * `JSON.stringify` for the small objects representations are.
 */
export function keyOf(made: Json): string {
  let key = '';
  for (const name in made) key += name + encode(made[name]);
  return key;
}

/** `... on T { a b c }` with only leaf fields: the type condition and the fields' names. */
interface FlatShape {
  typeCondition: string;
  names: string[];
}

/** The flat shape of `requires`, if that is what it is (one type condition over leaf fields, `__typename` among them). */
export function flatShape(requires: readonly QueryPlanSelectionNode[]): FlatShape | undefined {
  if (requires.length !== 1) return undefined;
  const [fragment] = requires;
  if (fragment.kind !== 'InlineFragment' || !fragment.typeCondition) return undefined;
  const names: string[] = [];
  for (const selection of fragment.selections) {
    if (selection.kind !== 'Field' || selection.selections) return undefined;
    names.push(selection.alias ?? selection.name);
  }
  return names.includes('__typename') ? { typeCondition: fragment.typeCondition, names } : undefined;
}

function encode(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `=${value.length}"${value}`;
    case 'number':
      return `=n${value};`;
    case 'boolean':
      return value ? '=t' : '=f';
    default: {
      const json = value === null ? 'null' : JSON.stringify(value);
      return `=j${json.length}:${json}`;
    }
  }
}
