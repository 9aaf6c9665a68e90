import { ERRORS, errorCodeDef } from '@apollo/federation-internals';
import type { FetchNode, ResponsePath } from '@apollo/query-planner';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { own } from './merge.js';

/**
 * Errors as @apollo/gateway words them (executeQueryPlan.js, resultShaping.js): a subgraph's errors
 * with their paths moved from the subgraph's answer to the client's response, and value completion's.
 */

/** A value that does not fit the client's operation (Apollo's INVALID_GRAPHQL, in `extensions.valueCompletion`). */
export function shapeError(message: string, path: readonly (string | number)[]): GraphQLError {
  return ERRORS.INVALID_GRAPHQL.err(message, { path: [...path] });
}


/** The concrete paths (list indexes filled in) of every non-null value at `path` (`@` for lists), in order. */
export function hydratedPaths(path: ResponsePath, data: unknown): ResponsePath[] {
  const result: ResponsePath[] = [];
  const parent: (string | number)[] = [];
  const walk = (i: number, value: unknown): void => {
    if (value == null) return;
    if (i === path.length) {
      result.push(parent.slice());
      return;
    }
    const head = path[i];
    if (head === '@' || (typeof head === 'string' && Array.isArray(value))) {
      if (!Array.isArray(value)) throw new Error('expected array when encountering `@`');
      const next = head === '@' ? i + 1 : i;
      for (let k = 0; k < value.length; k++) {
        parent.push(k);
        walk(next, value[k]);
        parent.pop();
      }
    } else if (typeof head === 'string') {
      if (!Object.prototype.hasOwnProperty.call(value, head)) return;
      parent.push(head);
      walk(i + 1, own(value as object, head));
      parent.pop();
    }
  };
  walk(0, data);
  return result;
}

/**
 * Where a subgraph's error sits in the client's response. An entity fetch's `_entities.<n>` becomes
 * the path of every entity that representation `n` stands for (one error each, as if each had been
 * sent); other paths are put under the fetch's. (@apollo/gateway counts `n` among all entities,
 * which names the wrong one when some entity had no representation; here `n` is mapped through the
 * representations actually sent.)
 */
export function errorPathMapper(fetch: FetchNode, cursorPath: ResponsePath, root: unknown, entitiesOf: readonly (readonly number[])[] | undefined) {
  let hydrated: ResponsePath[] | undefined;
  /** Each place the error goes, with the index of its entity (-1 for an error of the whole fetch). */
  return (errorPath: readonly (string | number)[] | undefined): { path: ResponsePath | undefined; entity: number }[] => {
    if (fetch.requires && typeof errorPath?.[1] === 'number') {
      hydrated ??= hydratedPaths(cursorPath, root);
      const rest = errorPath.slice(2);
      const entities = entitiesOf ? entitiesOf[errorPath[1]] : [errorPath[1]];
      if (!entities?.length) return [{ path: rest, entity: -1 }];
      return entities.map((entity) => ({ path: [...(hydrated![entity] ?? []), ...rest], entity }));
    }
    return [{ path: errorPath ? [...cursorPath, ...errorPath] : undefined, entity: -1 }];
  };
}

/** A subgraph's error as the client sees it: its code kept (DOWNSTREAM_SERVICE_ERROR when none), `serviceName` added. */
export function downstreamServiceError(original: GraphQLFormattedError, serviceName: string, path: ResponsePath | undefined): GraphQLError {
  const message = original.message || `Error while fetching subquery from service "${serviceName}"`;
  const options = { originalError: original as Error, path, extensions: { ...original.extensions, serviceName } };
  const codeDef = errorCodeDef(original as GraphQLError);
  if (!codeDef && original.extensions?.code) return new GraphQLError(message, options);
  return (codeDef ?? ERRORS.DOWNSTREAM_SERVICE_ERROR).err(message, options);
}
