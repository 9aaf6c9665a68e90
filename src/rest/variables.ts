import {
  coerceInputValue,
  getNamedType,
  GraphQLBoolean,
  GraphQLFloat,
  GraphQLInt,
  isInputObjectType,
  isListType,
  isNonNullType,
  typeFromAST,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import type { Route } from './route-map.js';

/** Where a parameter came from, as OpenAPI names it (`body` for the JSON body). */
export type ParamIn = 'path' | 'query' | 'body';

/** One bad parameter, as RFC 9457's `invalid-params` example lists them. */
export interface InvalidParam {
  name: string;
  in: ParamIn;
  reason: string;
}

export interface RestInput {
  /** Raw (still percent-encoded) path parameters. */
  path: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body, or undefined without one. */
  body: unknown;
}

const INT = /^[+-]?\d+$/;

/** A query-string or path text as the JSON value the variable's type reads, or a reason it cannot be one. */
function fromText(text: string, type: GraphQLInputType): { value: unknown } | { reason: string } {
  const named = getNamedType(type);
  if (isInputObjectType(named)) return { reason: `${named.name} is an input object: send it in a JSON body` };
  if (named === GraphQLInt) return INT.test(text) ? { value: Number(text) } : { reason: `Int cannot represent "${text}"` };
  if (named === GraphQLFloat) {
    const n = Number(text);
    return text.trim() !== '' && Number.isFinite(n) ? { value: n } : { reason: `Float cannot represent "${text}"` };
  }
  if (named === GraphQLBoolean) {
    return text === 'true' || text === 'false' ? { value: text === 'true' } : { reason: `Boolean must be true or false, not "${text}"` };
  }
  // String, ID, enums and custom scalars read the text as it is; the type checks it below.
  return { value: text };
}

function unwrapNonNull(type: GraphQLInputType): GraphQLInputType {
  return isNonNullType(type) ? type.ofType : type;
}

/**
 * The variables of a route's operation from the request's path, query string and JSON body, checked
 * against their types in the schema (texts read as Int, Float, Boolean, ID, enums...). Returns the raw
 * JSON values to run the operation with, or every bad parameter, each named with where it came from.
 */
export function restVariables(
  route: Route,
  schema: GraphQLSchema,
  input: RestInput,
): { variables: Record<string, unknown> } | { invalid: InvalidParam[] } {
  const invalid: InvalidParam[] = [];
  const variables: Record<string, unknown> = {};
  const where = new Map<string, ParamIn>();
  const definitions = route.operation.definition.variableDefinitions ?? [];
  const types = new Map<string, GraphQLInputType>();
  for (const definition of definitions) {
    const type = typeFromAST(schema, definition.type as never) as GraphQLInputType | undefined;
    if (type) types.set(definition.variable.name.value, type);
  }

  for (const [name, raw] of Object.entries(input.path)) {
    let text: string;
    try {
      text = decodeURIComponent(raw);
    } catch {
      invalid.push({ name, in: 'path', reason: 'is not valid percent-encoding' });
      continue;
    }
    const read = fromText(text, types.get(name)!);
    if ('reason' in read) invalid.push({ name, in: 'path', reason: read.reason });
    else variables[name] = read.value;
    where.set(name, 'path');
  }

  for (const name of new Set(input.query.keys())) {
    const type = types.get(name);
    if (!type || where.has(name) || name === route.body) {
      invalid.push({ name, in: 'query', reason: 'is not a parameter of this route' });
      continue;
    }
    where.set(name, 'query');
    const texts = input.query.getAll(name);
    const inner = unwrapNonNull(type);
    if (isListType(inner)) {
      const values: unknown[] = [];
      for (const text of texts) {
        const read = fromText(text, inner.ofType);
        if ('reason' in read) invalid.push({ name, in: 'query', reason: read.reason });
        else values.push(read.value);
      }
      variables[name] = values;
    } else if (texts.length > 1) {
      invalid.push({ name, in: 'query', reason: 'is given more than once' });
    } else {
      const read = fromText(texts[0], type);
      if ('reason' in read) invalid.push({ name, in: 'query', reason: read.reason });
      else variables[name] = read.value;
    }
  }

  if (route.body !== undefined) {
    if (input.body !== undefined) {
      variables[route.body] = input.body;
      where.set(route.body, 'body');
    }
  } else if (input.body !== undefined) {
    if (!input.body || typeof input.body !== 'object' || Array.isArray(input.body)) {
      invalid.push({ name: 'body', in: 'body', reason: 'must be a JSON object' });
    } else {
      for (const [name, value] of Object.entries(input.body)) {
        if (!types.has(name) || where.has(name)) invalid.push({ name, in: 'body', reason: 'is not a parameter of this route' });
        else {
          variables[name] = value;
          where.set(name, 'body');
        }
      }
    }
  }

  // Each variable against its type, as GraphQL will: missing required ones, wrong values deep in a body.
  for (const definition of definitions) {
    const name = definition.variable.name.value;
    const type = types.get(name);
    if (!type) continue; // an unknown type: the operation is not valid against this schema, the pipeline says so
    const from = where.get(name) ?? (name === route.body ? 'body' : 'query');
    const label = from === 'body' && name === route.body ? 'body' : name;
    if (!(name in variables)) {
      if (isNonNullType(type) && !definition.defaultValue) invalid.push({ name: label, in: from, reason: 'is required' });
      continue;
    }
    if (invalid.some((p) => p.name === name)) continue;
    coerceInputValue(variables[name], type, (path, _value, error) => {
      const inner = path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${key}`)).join('');
      invalid.push({ name: `${label}${inner}`, in: from, reason: error.message });
    });
  }
  return invalid.length ? { invalid } : { variables };
}
