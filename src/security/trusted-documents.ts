import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { stripIgnoredCharacters } from 'graphql';
import { z } from 'zod';
import { OperationsError, type NamedOperation } from '../rest/operations.js';

/** Apollo's persisted query manifest (as `@apollo/generate-persisted-query-manifest` writes it). */
export interface PersistedQueryManifest {
  format: 'apollo-persisted-query-manifest';
  version: 1;
  operations: Array<{ id: string; name: string; type: 'query' | 'mutation' | 'subscription'; body: string }>;
}

const manifestSchema = z.object({
  format: z.literal('apollo-persisted-query-manifest'),
  version: z.literal(1),
  operations: z.array(
    z.object({ id: z.string().min(1), name: z.string(), type: z.enum(['query', 'mutation', 'subscription']), body: z.string().min(1) }),
  ),
});

/** The manifest of named operations: each one's id is the SHA-256 of its body, the hash APQ clients send. */
export function buildManifest(operations: Iterable<NamedOperation>): PersistedQueryManifest {
  return {
    format: 'apollo-persisted-query-manifest',
    version: 1,
    operations: [...operations].map(({ id, name, type, body }) => ({ id, name, type, body })),
  };
}

/** Reads and checks a manifest file; a problem names the file. */
export function readManifest(path: string): PersistedQueryManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new OperationsError(`security.manifest: ${path}: cannot read the trusted documents manifest (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); write it with npm run operations`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) throw new OperationsError(`security.manifest: ${path}: not an Apollo persisted query manifest (${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message})`);
  return parsed.data;
}

export type TrustedDocumentsMode = 'off' | 'log' | 'enforce';

/** The fields of a GraphQL request that say which document to run (POST body, or GET parameters). */
export interface DocumentFields {
  query?: unknown;
  /** Hive Gateway's trusted documents: the manifest id (`sha256:` prefix optional). */
  documentId?: unknown;
  extensions?: unknown;
}

/** A request turned away before parsing: HTTP status, stable code, message. */
export interface TrustedDocumentRefusal {
  refusal: { status: number; code: 'PERSISTED_QUERY_NOT_IN_LIST' | 'QUERY_NOT_IN_SAFELIST'; message: string };
}

/** What to run: `query` is the manifest's text for a request sent by id (undefined: run the request as sent). */
export type TrustedDocumentCheck = { query?: string } | TrustedDocumentRefusal;

export interface TrustedDocumentsOptions {
  mode: TrustedDocumentsMode;
  manifest: PersistedQueryManifest;
  /** Told of each document the manifest does not hold (in `log` mode it runs, in `enforce` it is refused). */
  onUnlisted?: (event: { mode: TrustedDocumentsMode; by: 'id' | 'hash' | 'text'; id?: string }) => void;
}

function persistedHash(extensions: unknown): string | undefined {
  const persisted = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery;
  return typeof persisted?.sha256Hash === 'string' ? persisted.sha256Hash : undefined;
}

function stripped(query: string): string | undefined {
  try {
    return stripIgnoredCharacters(query); // lexes, never parses
  } catch {
    return undefined;
  }
}

/**
 * Trusted documents (Apollo Router's safelisting, Hive's persisted documents): a request's document
 * by id (`documentId`), by APQ hash (`extensions.persistedQuery.sha256Hash`) or as text is looked up
 * in the manifest before anything parses it. `enforce` refuses what the manifest does not hold
 * (400 PERSISTED_QUERY_NOT_IN_LIST for an unknown id or hash, 400 QUERY_NOT_IN_SAFELIST for other
 * text); `log` reports it and lets it run; `off` checks nothing. A text matches an operation's body
 * exactly or up to ignored characters (whitespace, commas, comments).
 */
export function createTrustedDocumentCheck(options: TrustedDocumentsOptions): (fields: DocumentFields | undefined) => TrustedDocumentCheck {
  const { mode, manifest, onUnlisted } = options;
  const byId = new Map(manifest.operations.map((operation) => [operation.id, operation.body]));
  const byHash = new Map(manifest.operations.map((operation) => [createHash('sha256').update(operation.body).digest('hex'), operation.body]));
  const byStripped = new Set(manifest.operations.map((operation) => stripped(operation.body)).filter((text) => text !== undefined));

  const unlisted = (by: 'id' | 'hash' | 'text', id?: string): TrustedDocumentCheck => {
    onUnlisted?.({ mode, by, id });
    if (mode !== 'enforce') return {};
    return by === 'text'
      ? { refusal: { status: 400, code: 'QUERY_NOT_IN_SAFELIST', message: 'Only trusted documents may run here, and this one is not in the manifest' } }
      : { refusal: { status: 400, code: 'PERSISTED_QUERY_NOT_IN_LIST', message: `No trusted document has the id ${JSON.stringify(id)}` } };
  };

  return (fields) => {
    if (mode === 'off' || !fields) return {};
    const { query, documentId, extensions } = fields;
    if (typeof documentId === 'string') {
      const id = documentId.replace(/^sha256:/, '');
      const body = byId.get(id) ?? byHash.get(id);
      if (body !== undefined) return { query: body };
      const result = unlisted('id', documentId);
      // Without the manifest's text there is nothing to run, in any mode.
      return 'refusal' in result ? result : { refusal: { status: 400, code: 'PERSISTED_QUERY_NOT_IN_LIST', message: `No trusted document has the id ${JSON.stringify(documentId)}` } };
    }
    const hash = persistedHash(extensions);
    if (typeof query !== 'string') {
      if (hash === undefined) return {}; // no document at all: GraphQL over HTTP answers that
      const body = byHash.get(hash) ?? byId.get(hash);
      return body !== undefined ? { query: body } : unlisted('hash', hash);
    }
    if (byHash.has(createHash('sha256').update(query).digest('hex'))) return {};
    const text = stripped(query);
    if (text !== undefined && byStripped.has(text)) return {};
    return unlisted('text', hash);
  };
}

/**
 * Applies a check to a GraphQL-over-HTTP request as it was read (a POST's parsed body, a GET's query
 * string): the refusal, or the request to run, with the manifest's text put in for one sent by id.
 */
export function checkHttpRequest(
  check: (fields: DocumentFields | undefined) => TrustedDocumentCheck,
  method: string,
  body: unknown,
  search: string,
): { body: unknown; search: string } | TrustedDocumentRefusal {
  if (method !== 'POST') {
    const params = new URLSearchParams(search);
    let extensions: unknown;
    try {
      extensions = JSON.parse(params.get('extensions') ?? 'null') ?? undefined;
    } catch {
      extensions = undefined; // Apollo Server refuses it as BAD_REQUEST
    }
    const result = check({ query: params.get('query') ?? undefined, documentId: params.get('documentId') ?? undefined, extensions });
    if ('refusal' in result) return result;
    if (result.query !== undefined) {
      params.set('query', result.query);
      params.delete('documentId');
      return { body, search: `?${params}` };
    }
    return { body, search };
  }
  const requests = Array.isArray(body) ? body : [body];
  const run: unknown[] = [];
  for (const request of requests) {
    const fields = request && typeof request === 'object' ? (request as DocumentFields) : undefined;
    const result = check(fields);
    if ('refusal' in result) return result;
    if (result.query === undefined) run.push(request);
    else {
      const { documentId: _id, ...rest } = request as Record<string, unknown>;
      run.push({ ...rest, query: result.query });
    }
  }
  return { body: Array.isArray(body) ? run : run[0], search };
}
