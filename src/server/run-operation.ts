import { getOperationAST, type DocumentNode, type GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { Documents, ValidDocument } from './documents.js';
import { formatErrors, type ErrorFormatter } from './errors.js';
import type { Execute } from './execute.js';
import { createCachePolicy, type CachePolicy, type Entry, type Operation, type OperationResponse, type RequestHeaders } from './operation.js';
import type { Pipeline } from './pipeline.js';
import { refusal } from './refusal.js';
import { coerceVariables, refuseNullConditions } from './variables.js';

/** An operation as an entry point hands it over (see /docs/ARCHITECTURE.md). */
export interface OperationRequest {
  entry: Entry;
  /** The document's text (REST: from its operation file). */
  query: string;
  operationName?: string;
  /** As sent (JSON values): coerced by the operation's variable types. */
  variables?: Record<string, unknown>;
  headers: RequestHeaders;
  context: GatewayContext;
}

export interface OperationOutcome {
  /** The HTTP status Portico answers GraphQL with (200, 400, 401, 429, ...). */
  status: number;
  headers: Map<string, string>;
  result: { data?: Record<string, unknown> | null; errors?: GraphQLFormattedError[]; extensions?: Record<string, unknown> };
}

export type RunOperation = (request: OperationRequest) => Promise<OperationOutcome>;

export interface PrepareInput {
  entry: Entry;
  source: string;
  document: DocumentNode;
  hash: string;
  operationName?: string | null;
  rawVariables?: Readonly<Record<string, unknown>>;
  headers: RequestHeaders;
  context: GatewayContext;
  cachePolicy?: CachePolicy;
}

export interface RunnerOptions {
  pipeline: Pipeline;
  execute: Execute;
  formatError: ErrorFormatter;
  documents: Documents;
}

/** Why a prepared operation cannot run: Apollo Server's refusals, in its words and codes. */
function operationNotFound(operationName: string | null | undefined): GraphQLError {
  const message = operationName ? `Unknown operation named "${operationName}".` : 'Must provide operation name if query contains multiple operations.';
  return refusal(message, 'OPERATION_RESOLUTION_FAILURE', 400);
}

/**
 * Runs operations through the one pipeline: make the Operation (variables coerced once), let the
 * plugins run, answer from a plugin (the cache) or execute with the gateway, finish with the plugins'
 * response hooks. Every entry point ends here; Apollo Server's reaches the same steps through its
 * plugin adapter (apollo-adapter.ts).
 */
export function createOperationRunner({ pipeline, execute, formatError, documents }: RunnerOptions) {
  /** The Operation for a valid document, or the error that refuses it (unknown operation, bad variables). */
  function prepare(input: PrepareInput): { op: Operation } | { error: GraphQLError } {
    const schema = documents.schema!;
    const definition = getOperationAST(input.document, input.operationName ?? undefined);
    if (!definition) return { error: operationNotFound(input.operationName) };
    // graphql-js validates no fields against a root type the schema lacks: refuse as the client's error.
    if (!schema.getRootType(definition.operation)) {
      return { error: refusal(`The schema has no ${definition.operation} root type`, 'GRAPHQL_VALIDATION_FAILED', 400) };
    }
    const raw = input.rawVariables ?? {};
    const coerced = coerceVariables(schema, definition, raw);
    if ('error' in coerced) return coerced;
    const { variables } = coerced;
    try {
      refuseNullConditions(input.document, variables);
    } catch (error) {
      return { error: error as GraphQLError };
    }
    const { report } = input.context;
    report.operationName = definition.name?.value ?? null;
    report.operationType = definition.operation;
    report.entry = input.entry;
    const op = pipeline.operation({
      entry: input.entry,
      schema,
      source: input.source,
      type: definition.operation,
      name: definition.name?.value ?? null,
      runs: { document: input.document, definition, hash: input.hash },
      rawVariables: raw,
      variables,
      headers: input.headers,
      context: input.context,
      cachePolicy: input.cachePolicy ?? createCachePolicy(),
    });
    return { op };
  }

  /** Executes the operation as it runs now, its errors formatted (status and headers from `extensions.http`). */
  async function executed(op: Operation): Promise<OperationResponse> {
    const result = await execute(op);
    const response: OperationResponse = { headers: new Map(), result: { data: result.data, ...(result.extensions ? { extensions: result.extensions } : {}) } };
    if (result.errors?.length) {
      const formatted = formatErrors(result.errors, formatError);
      response.result = { errors: formatted.errors, ...response.result };
      // Errors and no data at all: the request could not run (Apollo Server answers 400 too).
      response.status = formatted.status ?? (result.data === undefined ? 400 : undefined);
      for (const [key, value] of formatted.headers) response.headers.set(key, value);
    }
    return response;
  }

  /** A request refused with errors before anything ran. */
  function refused(errors: readonly unknown[]): OperationResponse {
    const formatted = formatErrors(errors, formatError);
    return { status: formatted.status ?? 500, headers: formatted.headers, result: { errors: formatted.errors } };
  }

  /** The whole way of one prepared operation through the pipeline. */
  async function run(op: Operation): Promise<OperationResponse> {
    const started = await pipeline.start(op);
    let response: OperationResponse;
    try {
      if (started.refused) throw started.refused;
      const answer = await started.respond();
      response = answer ? { headers: new Map(), result: answer } : await executed(op);
    } catch (error) {
      response = refused([error]);
    }
    await started.finish(response);
    return response;
  }

  /** The valid document for a text, or the refusal that says why not (no supergraph yet, parse or validation errors). */
  function documentOf(source: string): { valid: ValidDocument } | { refused: OperationResponse } {
    if (!documents.schema) return { refused: refused([refusal('The gateway has not loaded a supergraph yet', 'SERVICE_UNAVAILABLE', 503)]) };
    const valid = documents.get(source);
    if (valid) return { valid };
    const errors = documents.errorsOf(source);
    return { refused: refused(errors.length ? errors : [refusal('The document is not valid', 'GRAPHQL_VALIDATION_FAILED', 400)]) };
  }

  const runOperation: RunOperation = async (request) => {
    const found = documentOf(request.query);
    let response: OperationResponse;
    if ('refused' in found) {
      response = found.refused;
    } else {
      const { valid } = found;
      const prepared = prepare({
        entry: request.entry,
        source: request.query,
        document: valid.document,
        hash: valid.hash,
        operationName: request.operationName,
        rawVariables: request.variables,
        headers: request.headers,
        context: request.context,
      });
      response = 'error' in prepared ? refused([prepared.error]) : await run(prepared.op);
    }
    for (const error of response.result.errors ?? []) request.context.report.errorCodes.push(String(error.extensions?.code ?? 'UNKNOWN'));
    return { status: response.status ?? 200, headers: response.headers, result: response.result as OperationOutcome['result'] };
  };

  return { prepare, run, executed, refused, documentOf, runOperation, pipelineStart: (op: Operation) => pipeline.start(op) };
}

export type OperationRunner = ReturnType<typeof createOperationRunner>;
