import type { DocumentNode, GraphQLFormattedError, GraphQLSchema, OperationDefinitionNode, OperationTypeNode } from 'graphql';
import type { GatewayContext } from '../context.js';

/** Where an operation came in. */
export type Entry = 'http' | 'apollo' | 'rest' | 'websocket';

/** Request headers by lower-case name (Apollo Server's HeaderMap is one). */
export type RequestHeaders = ReadonlyMap<string, string>;

export interface CacheHint {
  maxAge?: number;
  scope?: 'PUBLIC' | 'PRIVATE';
}

/**
 * How long the answer may be kept and by whom: the most restrictive hint wins. The same contract as
 * Apollo Server's cache policy (`restrict`, `replace`, `policyIfCacheable`), which the gateway's data
 * sources restrict with each subgraph's Cache-Control.
 */
export interface CachePolicy {
  maxAge?: number;
  scope?: 'PUBLIC' | 'PRIVATE';
  restrict(hint: CacheHint): void;
  replace(hint: CacheHint): void;
  policyIfCacheable(): { maxAge: number; scope: 'PUBLIC' | 'PRIVATE' } | null;
}

export function createCachePolicy(): CachePolicy {
  return {
    maxAge: undefined,
    scope: undefined,
    restrict(hint) {
      if (hint.maxAge !== undefined && (this.maxAge === undefined || hint.maxAge < this.maxAge)) this.maxAge = hint.maxAge;
      if (hint.scope !== undefined && this.scope !== 'PRIVATE') this.scope = hint.scope;
    },
    replace(hint) {
      if (hint.maxAge !== undefined) this.maxAge = hint.maxAge;
      if (hint.scope !== undefined) this.scope = hint.scope;
    },
    policyIfCacheable() {
      if (this.maxAge === undefined || this.maxAge === 0) return null;
      return { maxAge: this.maxAge, scope: this.scope ?? 'PUBLIC' };
    },
  };
}

/** The document an operation runs as: stages may replace it (authorization removes fields, the cache adds keys). */
export interface RunnableDocument {
  document: DocumentNode;
  definition: OperationDefinitionNode;
  /** Identifies the document's text: the gateway caches query plans by it. */
  hash: string;
}

/**
 * Portico's view of one operation, the same whatever the entry point (Apollo Server, Portico's own
 * HTTP reader, REST, WebSocket). Stages read it and change it only through `rewrite`.
 */
export interface Operation {
  readonly entry: Entry;
  readonly schema: GraphQLSchema;
  /** The document's text as the client sent it (or as its persisted query or REST route holds it). */
  readonly source: string;
  readonly type: OperationTypeNode;
  /** The operation's name in the document, if it has one. */
  readonly name: string | null;
  /** The document as it will run. */
  readonly runs: Readonly<RunnableDocument>;
  /** Variables as sent (what the gateway's executor is given). */
  readonly rawVariables: Readonly<Record<string, unknown>>;
  /** Variables as execution sees them: coerced by their types, defaults applied. */
  readonly variables: Readonly<Record<string, unknown>>;
  readonly headers: RequestHeaders;
  readonly context: GatewayContext;
  readonly cachePolicy: CachePolicy;
  /** Runs another document (what this caller may see, with entity keys): the next stages see it. */
  rewrite(to: RunnableDocument): void;
  /**
   * One concern's part of the analysis of the document as it runs now, made once per supergraph and
   * document and shared by every request for it.
   */
  analysis<T>(part: string, make: () => T): T;
}

export interface OperationResult {
  data?: Record<string, unknown> | null;
  errors?: ReadonlyArray<GraphQLFormattedError>;
  extensions?: Record<string, unknown>;
}

/** The answer on its way out: stages' response hooks finish it (nulls, cost report, headers). */
export interface OperationResponse {
  status?: number;
  readonly headers: Map<string, string>;
  result: OperationResult;
  /**
   * The result's data already as JSON bytes (a cached answer): the writer sends them as they are while
   * `result.data` is still this object (a later hook that changed the data made a new one).
   */
  serialized?: { data: object; bytes: Buffer };
  /**
   * Extensions that describe this caller only (`cost.throttleStatus`: their budget; `quota`): an answer
   * a shared cache may keep (`public`) leaves without them. Declared by the plugin that adds them.
   */
  callerOnly?: Set<string>;
}

/** Declares an extension (`name` or `name.field`) of the response as this caller's only. */
export function declareCallerOnly(response: OperationResponse, path: string): void {
  (response.callerOnly ??= new Set()).add(path);
}

/** The result without the extensions declared as the caller's only. */
export function withoutCallerOnly(response: OperationResponse): OperationResult {
  const { result, callerOnly } = response;
  if (!callerOnly?.size || !result.extensions) return result;
  const extensions: Record<string, unknown> = { ...result.extensions };
  for (const path of callerOnly) {
    const [name, field] = path.split('.', 2);
    if (!(name in extensions)) continue;
    if (field === undefined) {
      delete extensions[name];
      continue;
    }
    const value = extensions[name];
    if (value && typeof value === 'object' && field in value) {
      const { [field]: _callerOnly, ...shared } = value as Record<string, unknown>;
      extensions[name] = shared;
    }
  }
  return { ...result, extensions };
}
