import { HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import type { GatewayContext } from '../context.js';
import type { Documents } from './documents.js';
import type { Answer } from './graphql-http.js';
import { createRequestReader } from './http-request.js';
import type { OperationResponse } from './operation.js';
import type { OperationRunner } from './run-operation.js';
import { resultChunks } from './serialize-result.js';

export interface HttpEntryOptions {
  runner: OperationRunner;
  documents: Documents;
  /** The text Apollo Server's persisted query store holds for a hash, if any. */
  persistedQuery(sha256Hash: string): Promise<string | undefined>;
}

/**
 * GraphQL over HTTP read and answered by Portico itself, through the same runner as every entry point:
 * Apollo Server's request pipeline (plugin dispatch, its own document store, hashing per request)
 * costs more than a cached answer itself, and a good share of a miss. It takes a valid query by
 * POST or preflighted GET, or a persisted query's hash that the store holds; everything else
 * (registrations, invalid documents, mutations by GET, subscriptions, unknown extensions) it leaves to
 * Apollo Server untouched, before any plugin ran, so each plugin still runs once per request.
 */
export function createHttpEntry({ runner, documents, persistedQuery }: HttpEntryOptions) {
  const read = createRequestReader();

  function write(response: OperationResponse, contentType: string): Answer {
    const headers = new HeaderMap();
    for (const [key, value] of response.headers) headers.set(key, value);
    headers.set('content-type', contentType);
    const { errors, data, extensions } = response.result;
    const ordered = { errors, data, extensions };
    const status = response.status ?? 200;
    // Data already in bytes (a cached answer, unchanged on the way out) is written as it is.
    const held = response.serialized && response.serialized.data === data ? response.serialized.bytes : undefined;
    const chunks = resultChunks(ordered, held);
    if (chunks) return { status, headers, chunks };
    return { status, headers, body: { kind: 'complete', string: JSON.stringify(ordered) } };
  }

  /** The answer, or undefined: then Apollo Server takes the request. */
  return async (http: HTTPGraphQLRequest, context: GatewayContext): Promise<Answer | undefined> => {
    const request = read(http);
    if (!request) return undefined;
    const { fields, contentType } = request;
    let source = fields.query;
    if (source === undefined) {
      source = await persistedQuery(fields.sha256Hash!).catch(() => undefined);
      if (source === undefined) return undefined;
    }
    const valid = documents.get(source);
    // A hash asked for alone must be the hash of what the store holds.
    if (!valid || (fields.sha256Hash !== undefined && valid.hash !== fields.sha256Hash)) return undefined;
    const prepared = runner.prepare({
      entry: 'http',
      source,
      document: valid.document,
      hash: valid.hash,
      operationName: fields.operationName,
      rawVariables: fields.variables,
      headers: http.headers,
      context,
    });
    // Refusals of the document itself are worded by Apollo Server; GET runs queries only.
    if ('error' in prepared) return undefined;
    const { op } = prepared;
    if (op.type === 'subscription' || (http.method === 'GET' && op.type !== 'query')) return undefined;
    const response = await runner.run(op);
    for (const error of response.result.errors ?? []) context.report.errorCodes.push(String(error.extensions?.code ?? 'UNKNOWN'));
    return write(response, contentType);
  };
}
