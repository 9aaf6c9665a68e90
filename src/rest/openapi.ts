import {
  getNamedType,
  GraphQLBoolean,
  GraphQLFloat,
  GraphQLID,
  GraphQLInt,
  GraphQLString,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  Kind,
  typeFromAST,
  type GraphQLCompositeType,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { Route } from './route-map.js';

type JsonSchema = Record<string, unknown>;

export interface OpenApiOptions {
  /** Where the routes are served, e.g. `/api`. */
  prefix: string;
  title?: string;
  version?: string;
  /** The API key header (cost.budgets.apiKeyHeader). */
  apiKeyHeader: string;
}

function scalarSchema(type: GraphQLNamedType): JsonSchema {
  if (type === GraphQLInt) return { type: 'integer', format: 'int32' };
  if (type === GraphQLFloat) return { type: 'number' };
  if (type === GraphQLBoolean) return { type: 'boolean' };
  if (type === GraphQLString) return { type: 'string' };
  if (type === GraphQLID) return { type: 'string', description: 'An ID' };
  if (isEnumType(type)) return { type: 'string', enum: type.getValues().map((v) => v.name) };
  return { description: `The ${type.name} scalar` };
}

/** `{...}` or, for a nullable type, the same allowing null (JSON Schema 2020-12, as OpenAPI 3.1 reads it). */
function nullable(schema: JsonSchema): JsonSchema {
  if (typeof schema.type === 'string') return { ...schema, type: [schema.type, 'null'] };
  return { anyOf: [schema, { type: 'null' }] };
}

function described(schema: JsonSchema, description: string | null | undefined): JsonSchema {
  return description ? { ...schema, description } : schema;
}

/** Builds the document's schemas: input objects under components, outputs from selection sets. */
class SchemaWriter {
  readonly components: Record<string, JsonSchema> = {};
  constructor(private readonly schema: GraphQLSchema) {}

  input(type: GraphQLInputType): JsonSchema {
    if (isNonNullType(type)) return this.inputNonNull(type.ofType);
    return nullable(this.inputNonNull(type));
  }

  private inputNonNull(type: GraphQLInputType): JsonSchema {
    if (isListType(type)) return { type: 'array', items: this.input(type.ofType) };
    if (isInputObjectType(type)) {
      if (!this.components[type.name]) {
        this.components[type.name] = {}; // claimed first: input types may refer to themselves
        const fields = Object.values(type.getFields());
        this.components[type.name] = described(
          {
            type: 'object',
            properties: Object.fromEntries(fields.map((f) => [f.name, described(this.input(f.type), f.description)])),
            required: fields.filter((f) => isNonNullType(f.type) && f.defaultValue === undefined).map((f) => f.name),
            additionalProperties: false,
          },
          type.description,
        );
      }
      return { $ref: `#/components/schemas/${type.name}` };
    }
    return scalarSchema(type as GraphQLNamedType);
  }

  output(type: GraphQLOutputType, selectionSet: SelectionSetNode | undefined): JsonSchema {
    if (isNonNullType(type)) return this.outputNonNull(type.ofType, selectionSet);
    return nullable(this.outputNonNull(type, selectionSet));
  }

  private outputNonNull(type: GraphQLOutputType, selectionSet: SelectionSetNode | undefined): JsonSchema {
    if (isListType(type)) return { type: 'array', items: this.output(type.ofType, selectionSet) };
    if (!selectionSet) return scalarSchema(getNamedType(type));
    return this.object(type as GraphQLCompositeType, selectionSet, true);
  }

  /** The fields a selection set picks on a type; those under a fragment on another type are optional. */
  object(type: GraphQLCompositeType, selectionSet: SelectionSetNode, certain: boolean, into?: { properties: Record<string, JsonSchema>; required: string[] }): JsonSchema {
    const target = into ?? { properties: {}, required: [] };
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const key = (selection.alias ?? selection.name).value;
        if (selection.name.value === '__typename') {
          target.properties[key] = { type: 'string' };
        } else if (isObjectType(type) || isInterfaceType(type)) {
          const field = type.getFields()[selection.name.value];
          if (!field) continue;
          target.properties[key] = described(this.output(field.type, selection.selectionSet), field.description);
        }
        if (certain && !target.required.includes(key)) target.required.push(key);
      } else {
        const typeName = selection.kind === Kind.INLINE_FRAGMENT ? selection.typeCondition?.name.value : undefined;
        const fragmentType = typeName ? (this.schema.getType(typeName) as GraphQLCompositeType) : type;
        const fragmentSet = selection.kind === Kind.INLINE_FRAGMENT ? selection.selectionSet : undefined;
        if (fragmentSet) this.object(fragmentType, fragmentSet, certain && fragmentType === type, target);
      }
    }
    return described({ type: 'object', properties: target.properties, required: target.required }, type.description);
  }
}

const PROBLEM: JsonSchema = {
  type: 'object',
  description: 'An RFC 9457 problem; `code` is the GraphQL error code.',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string', examples: ['BAD_USER_INPUT', 'UNAUTHENTICATED', 'NOT_FOUND', 'THROTTLED'] },
    'invalid-params': {
      type: 'array',
      items: {
        type: 'object',
        properties: { name: { type: 'string' }, in: { type: 'string', enum: ['path', 'query', 'body'] }, reason: { type: 'string' } },
        required: ['name', 'in', 'reason'],
      },
    },
    errors: {
      type: 'array',
      description: 'The GraphQL errors behind the problem.',
      items: { type: 'object', properties: { message: { type: 'string' }, path: { type: 'array', items: { type: ['string', 'integer'] } }, code: { type: 'string' } } },
    },
  },
  required: ['type', 'title', 'status', 'code'],
};

const problem = (description: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const ERROR_RESPONSES = {
  BadRequest: problem('A parameter or the body is not what the operation takes (`invalid-params` names it), or the operation costs too much'),
  Unauthorized: problem('A bad or expired token, an unknown API key, or none where one is needed'),
  Forbidden: problem('The caller may not do this'),
  NotFound: problem('No such resource, or one the caller may not see'),
  TooManyRequests: problem('The client\'s budget, a rate limit or its plan\'s quota is spent', {
    'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } },
  }),
  BadGateway: problem('A service behind the gateway failed (503: its circuit is open; 504: it timed out)'),
};

/**
 * The OpenAPI 3.1 document of the REST routes: parameters and request bodies from the operations'
 * variable types, response schemas from their selection sets, the problems they may answer with, and
 * the two ways to authenticate (bearer token, API key).
 */
export function openApiDocument(routes: Route[], schema: GraphQLSchema, options: OpenApiOptions): Record<string, unknown> {
  const writer = new SchemaWriter(schema);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const { definition } = route.operation;
    const variables = (definition.variableDefinitions ?? []).map((v) => ({
      name: v.variable.name.value,
      type: typeFromAST(schema, v.type as never) as GraphQLInputType | undefined,
      hasDefault: Boolean(v.defaultValue),
    }));
    const inPath = new Set(route.pathParams);
    const bodyFields = route.method !== 'GET' && route.method !== 'DELETE' && route.body === undefined;
    const parameters = variables
      .filter((v) => v.type && v.name !== route.body && (inPath.has(v.name) || !bodyFields))
      .map((v) => ({
        name: v.name,
        in: inPath.has(v.name) ? 'path' : 'query',
        required: inPath.has(v.name) || (isNonNullType(v.type!) && !v.hasDefault),
        schema: stripNull(writer.input(v.type!)),
      }));
    let requestBody: Record<string, unknown> | undefined;
    const bodyVariable = variables.find((v) => v.name === route.body);
    if (bodyVariable?.type) {
      requestBody = { required: true, content: { 'application/json': { schema: writer.input(bodyVariable.type) } } };
    } else if (bodyFields) {
      const fields = variables.filter((v) => v.type && !inPath.has(v.name));
      if (fields.length) {
        requestBody = {
          required: fields.some((v) => isNonNullType(v.type!) && !v.hasDefault),
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: Object.fromEntries(fields.map((v) => [v.name, writer.input(v.type!)])),
                required: fields.filter((v) => isNonNullType(v.type!) && !v.hasDefault).map((v) => v.name),
              },
            },
          },
        };
      }
    }
    const responseSchema = stripNull(bodySchema(route, schema, writer));
    const success: Record<string, unknown> =
      route.status === 204
        ? { description: 'Done; no body' }
        : {
            description: route.status === 201 ? 'Created' : 'OK',
            headers: {
              ...(route.method === 'GET'
                ? {
                    ETag: { description: 'Send it back in If-None-Match: 304 while the resource is unchanged', schema: { type: 'string' } },
                    'Cache-Control': { description: 'How long the answer may be kept, and by whom', schema: { type: 'string' } },
                  }
                : {}),
              ...(route.status === 201 && route.location ? { Location: { description: 'The new resource', schema: { type: 'string' } } } : {}),
            },
            content: { 'application/json': { schema: responseSchema } },
          };
    const responses: Record<string, unknown> = {
      [String(route.status)]: success,
      ...(route.method === 'GET' ? { '304': { description: 'Not modified (If-None-Match matched the ETag)' } } : {}),
      '400': { $ref: '#/components/responses/BadRequest' },
      '401': { $ref: '#/components/responses/Unauthorized' },
      '403': { $ref: '#/components/responses/Forbidden' },
      '404': { $ref: '#/components/responses/NotFound' },
      '429': { $ref: '#/components/responses/TooManyRequests' },
      '502': { $ref: '#/components/responses/BadGateway' },
    };
    const path = `${options.prefix}${route.path}`;
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = {
      operationId: route.operation.name,
      summary: route.operation.description ?? route.operation.name,
      description: `Runs the GraphQL ${route.operation.type} \`${route.operation.name}\` through the gateway.`,
      tags: [route.path.split('/')[1] || 'root'],
      ...(parameters.length ? { parameters } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: options.title ?? 'Portico REST API',
      version: options.version ?? '1.0.0',
      description: 'REST routes over named GraphQL operations, served by the gateway with the same authentication, authorization, rate limits, cost limits and cache as GraphQL.',
    },
    paths,
    components: {
      schemas: { ...writer.components, Problem: PROBLEM },
      responses: ERROR_RESPONSES,
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        apiKey: { type: 'apiKey', in: 'header', name: options.apiKeyHeader },
      },
    },
    // A token or an API key; without either, the caller is anonymous and sees what anonymous callers may.
    security: [{ bearerAuth: [] }, { apiKey: [] }, {}],
  };
}

/** The body's schema: the root field's value, or the whole `data` for an operation of several root fields. */
function bodySchema(route: Route, schema: GraphQLSchema, writer: SchemaWriter): JsonSchema {
  const { definition } = route.operation;
  const rootType = route.operation.type === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  if (!rootType) return {};
  if (route.rootKey === undefined) return writer.object(rootType, definition.selectionSet, true);
  const selection = definition.selectionSet.selections.find((s) => s.kind === Kind.FIELD && (s.alias ?? s.name).value === route.rootKey);
  if (selection?.kind !== Kind.FIELD) return {};
  const field = rootType.getFields()[selection.name.value];
  return field ? described(writer.output(field.type, selection.selectionSet), field.description) : {};
}

/** A success body is never null (a null root field is answered 404). */
function stripNull(schema: JsonSchema): JsonSchema {
  if (Array.isArray(schema.type)) {
    const types = (schema.type as string[]).filter((t) => t !== 'null');
    return { ...schema, type: types.length === 1 ? types[0] : types };
  }
  if (Array.isArray(schema.anyOf) && schema.anyOf.length === 2 && (schema.anyOf[1] as JsonSchema).type === 'null') return schema.anyOf[0] as JsonSchema;
  return schema;
}
