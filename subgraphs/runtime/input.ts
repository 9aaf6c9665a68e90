import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { GraphQLError, GraphQLScalarType, Kind, type DocumentNode, type GraphQLFieldResolver } from 'graphql';
import type { Identity } from '../../src/identity/signed-identity.js';
import { HttpError } from '../../src/server/graphql-http.js';
import { badUserInput, isInvalidInputError } from './errors.js';

/*
 * Every value a caller sends a subgraph (arguments, `_entities` representations, the claims of the
 * signed identity) is checked here before a resolver can hand it to the database, so that a value
 * GraphQL accepts but PostgreSQL cannot store is BAD_USER_INPUT, not an internal error.
 */

/** An unpaired UTF-16 surrogate (with the `u` flag a paired one is one code point and does not match). */
const LONE_SURROGATE = /\p{Cs}/u;

/** Longest claims a subgraph accepts: a subject is an id (indexed: PostgreSQL's btree takes ~2700 bytes); OIDC caps `sub` at 255. */
export const MAX_CLAIM_LENGTH = { sub: 255, name: 1000, email: 320 } as const;

/** Why `text` cannot be stored as given, or undefined when it can. */
export function unstorableText(text: string): string | undefined {
  // PostgreSQL text refuses U+0000 (22021); an unpaired surrogate would be stored as U+FFFD.
  if (text.includes('\u0000')) return 'contains a NUL character (U+0000)';
  if (LONE_SURROGATE.test(text)) return 'is not well-formed Unicode (an unpaired surrogate)';
  return undefined;
}

/**
 * The first string inside `value` (objects and arrays, walked without recursion: a JSON scalar may be
 * nested deeper than the stack) that cannot be stored, with its path.
 */
export function findUnstorable(value: unknown, path: string): { path: string; problem: string } | undefined {
  const stack: Array<[unknown, string]> = [[value, path]];
  while (stack.length > 0) {
    const [item, at] = stack.pop()!;
    if (typeof item === 'string') {
      const problem = unstorableText(item);
      if (problem) return { path: at, problem };
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) stack.push([item[i], `${at}[${i}]`]);
    } else if (item !== null && typeof item === 'object') {
      for (const [key, child] of Object.entries(item).reverse()) stack.push([child, `${at}.${key}`]);
    }
  }
  return undefined;
}

/** BAD_USER_INPUT for the first argument value that cannot be stored. */
export function assertStorableArgs(args: Record<string, unknown>): void {
  for (const name in args) {
    const found = findUnstorable(args[name], name);
    if (found) throw badUserInput(`\`${found.path}\` ${found.problem}, which cannot be stored`, name);
  }
}

/** BAD_USER_INPUT when a claim of the caller's identity cannot be stored (any subgraph may store them). */
export function assertStorableIdentity(identity: Identity): void {
  for (const claim of ['sub', 'name', 'email'] as const) {
    const value = identity[claim];
    if (value === undefined) continue;
    const problem = unstorableText(value) ?? ([...value].length > MAX_CLAIM_LENGTH[claim] ? `is longer than ${MAX_CLAIM_LENGTH[claim]} characters` : undefined);
    if (problem) throw badUserInput(`the token's \`${claim}\` claim ${problem}, which this service cannot store`);
  }
}

/**
 * Runs context creation (identity checks, provisioning): bad input (BAD_USER_INPUT, or the
 * database refusing a value) refuses the request with a GraphQL error and HTTP 200, as a field's bad
 * input is answered: a 500 would read as the service failing.
 */
export async function refusingBadInput<T>(create: () => Promise<T> | T): Promise<T> {
  try {
    return await create();
  } catch (error) {
    if (error instanceof GraphQLError && error.extensions.code === 'BAD_USER_INPUT') throw new HttpError(200, 'BAD_USER_INPUT', error.message);
    if (isInvalidInputError(error)) throw new HttpError(200, 'BAD_USER_INPUT', "a value of the caller's identity cannot be stored");
    throw error;
  }
}

/** Top-level field names of each type's `@key(fields: "...")`, from the subgraph's SDL. */
export function keyFields(typeDefs: DocumentNode): Map<string, Array<{ name: string; nested: boolean }>> {
  const keys = new Map<string, Array<{ name: string; nested: boolean }>>();
  for (const definition of typeDefs.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'key') continue;
      const fields = directive.arguments?.find((a) => a.name.value === 'fields')?.value;
      if (fields?.kind !== Kind.STRING) continue;
      // A representation must hold the fields of one key; the first key is the one checked.
      if (keys.has(definition.name.value)) continue;
      const tokens = fields.value.match(/[A-Za-z_]\w*|[{}]/g) ?? [];
      const names: Array<{ name: string; nested: boolean }> = [];
      let depth = 0;
      for (const [i, token] of tokens.entries()) {
        if (token === '{') depth += 1;
        else if (token === '}') depth -= 1;
        else if (depth === 0) names.push({ name: token, nested: tokens[i + 1] === '{' });
      }
      keys.set(definition.name.value, names);
    }
  }
  return keys;
}

/** BAD_USER_INPUT when an `_entities` representation lacks a key field or holds a value that cannot be stored. */
function assertRepresentation(typeName: string, keys: Array<{ name: string; nested: boolean }>, representation: unknown): void {
  const fields = (representation ?? {}) as Record<string, unknown>;
  for (const { name, nested } of keys) {
    const value = fields[name];
    const fits = nested ? value !== null && typeof value === 'object' : typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean';
    if (!fits) throw badUserInput(`a ${typeName} representation needs its key field \`${name}\``, 'representations');
  }
  const found = findUnstorable(fields, typeName);
  if (found) throw badUserInput(`\`${found.path}\` ${found.problem}, which cannot be stored`, 'representations');
}

type AnyResolver = GraphQLFieldResolver<unknown, unknown>;

/**
 * The resolver map with every field resolver checking its arguments, and every `__resolveReference`
 * its representation, before it runs (see assertStorableArgs, assertRepresentation).
 */
export function guardResolvers<TContext>(resolvers: GraphQLResolverMap<TContext>, typeDefs: DocumentNode): GraphQLResolverMap<TContext> {
  const keys = keyFields(typeDefs);
  const guarded: GraphQLResolverMap<TContext> = {};
  for (const [typeName, fields] of Object.entries(resolvers)) {
    if (fields instanceof GraphQLScalarType) {
      guarded[typeName] = fields;
      continue;
    }
    const wrapped: Record<string, unknown> = {};
    for (const [fieldName, resolver] of Object.entries(fields as Record<string, unknown>)) {
      if (fieldName === '__resolveReference' && typeof resolver === 'function') {
        const resolve = resolver as (reference: unknown, ...rest: unknown[]) => unknown;
        // Async, so a refused representation fails its own entry of `_entities`, not the whole list.
        wrapped[fieldName] = async (reference: unknown, ...rest: unknown[]) => {
          assertRepresentation(typeName, keys.get(typeName) ?? [], reference);
          return resolve(reference, ...rest);
        };
      } else if (fieldName.startsWith('__') || (typeof resolver !== 'function' && typeof (resolver as { resolve?: unknown })?.resolve !== 'function')) {
        wrapped[fieldName] = resolver; // __resolveType and the like, enum values
      } else {
        const resolve = (typeof resolver === 'function' ? resolver : (resolver as { resolve: AnyResolver }).resolve) as AnyResolver;
        const checked: AnyResolver = (source, args, context, info) => {
          assertStorableArgs(args);
          return resolve(source, args, context, info);
        };
        wrapped[fieldName] = typeof resolver === 'function' ? checked : { ...(resolver as object), resolve: checked };
      }
    }
    guarded[typeName] = wrapped as GraphQLResolverMap<TContext>[string];
  }
  return guarded;
}
