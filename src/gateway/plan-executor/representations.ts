import type { FetchNode } from '@apollo/query-planner';
import { applyRewrites, representation, type TypeMatcher } from './merge.js';

type Json = Record<string, unknown>;

/** What an entity fetch sends, and which of its entities each representation answers for. */
export interface EntityBatch {
  /** Each distinct representation once, in the order its first entity came. */
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
  const representations: Json[] = [];
  const entitiesOf: number[][] = [];
  const seen = new Map<string, number>();
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
    const text = keyOf(made);
    const known = seen.get(text);
    if (known !== undefined) {
      entitiesOf[known].push(i);
      objects.set(entity, known);
    } else {
      objects.set(entity, representations.length);
      seen.set(text, representations.length);
      representations.push(made);
      entitiesOf.push([i]);
    }
  }
  return { representations, entitiesOf };
}

/**
 * A text that tells representations apart: any two with different JSON get different keys (names
 * are GraphQL names, strings carry their length, objects their JSON's). A few times cheaper than
 * `JSON.stringify` for the small objects representations are.
 */
export function keyOf(made: Json): string {
  let key = '';
  for (const name in made) {
    const value = made[name];
    key += name;
    switch (typeof value) {
      case 'string':
        key += `=${value.length}"${value}`;
        break;
      case 'number':
        key += `=n${value};`;
        break;
      case 'boolean':
        key += value ? '=t' : '=f';
        break;
      default: {
        const json = value === null ? 'null' : JSON.stringify(value);
        key += `=j${json.length}:${json}`;
      }
    }
  }
  return key;
}
