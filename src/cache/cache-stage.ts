import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { PorticoConfig } from '../config/index.js';
import type { GatewayContext } from '../context.js';
import type { OperationContext, Stage } from '../server/pipeline.js';
import type { DocumentNode } from 'graphql';
import { supergraphId, type Supergraph } from '../gateway/supergraph.js';
import { documentTags, readEntityModel, takeEntityTags, withEntityKeys, type EntityModel } from './entity-keys.js';
import { declaredEntityTags, mutationArgumentIds } from './mutation-tags.js';
import type { CachedResponse, ResponseCacheStore } from './store.js';

export const CACHE_STATUS_HEADER = 'x-cache';
const DOCUMENTS = 1000;

export interface CacheEvents {
  hit(): void;
  miss(): void;
  bypass(): void;
  evicted(count: number): void;
  storeError(): void;
}

/** A query document as the cache runs it: with entity keys added, its tags, its keys without variables. */
interface CacheDocument {
  document: DocumentNode;
  hash: string;
  tags: string[];
  keys: Map<string, string>;
  /** Runs in a row whose answer came without a cache hint (see KEYLESS_AFTER). */
  unhinted: number;
}

// A query whose answers keep coming without any cache hint is run without entity keys (adding them
// to every subgraph call and reading them out of every answer costs a miss about a sixth of its CPU).
// Should such a run's answer be cacheable after all, it is not stored (its entities are unknown,
// so no mutation could evict it), and the next run has the keys again.
const KEYLESS_AFTER = 3;

type Outcome = { entry: CachedResponse; identity: string | undefined } | null;

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** JSON with sorted object keys, so equal variables make equal keys. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object).sort().map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

// The authenticator hands out one caller object per verified token: hash each identity once.
const identities = new WeakMap<object, string>();

/** Everything the subgraphs are told about the caller: what a private answer may depend on. */
function identityOf(context: GatewayContext): string | undefined {
  const { caller } = context;
  if (!caller.sub) return undefined;
  let identity = identities.get(caller);
  if (identity === undefined) {
    const { name, email } = caller.claims as { name?: unknown; email?: unknown };
    identities.set(caller, (identity = sha(stable({ sub: caller.sub, scopes: [...caller.scopes].sort(), name, email }))));
  }
  return identity;
}

function bypassAllowed(config: PorticoConfig['cache'], rc: OperationContext): boolean {
  const header = rc.request.http?.headers.get('cache-control');
  if (!header || !/no-cache|no-store/i.test(header)) return false;
  return config.bypass === 'everyone' || (config.bypass === 'authenticated' && rc.contextValue.caller.authenticated);
}

/**
 * The response cache. Keys cover the operation as this caller may see it (authorization's rewrite
 * is in the hash), its variables, and for private answers the caller's identity. Responses are tagged
 * with the entities they hold; a mutation evicts the tags of the entities it touched.
 */
export function createResponseCache(config: PorticoConfig['cache'], store: ResponseCacheStore, logger: Logger, events: CacheEvents) {
  let model: { schemaId: string; entities: EntityModel; documents: Map<string, CacheDocument> } | undefined;
  const inFlight = new Map<string, Promise<Outcome>>();
  // Answers whose data is already JSON (cached ones): the response is written with it as is.
  const serialized = new WeakMap<object, string>();
  const serializedBytes = new WeakMap<object, Buffer>();

  const guarded = async <T>(work: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      events.storeError();
      logger.warn({ err: { message: (error as Error).message } }, 'cache store failed; serving uncached');
      return fallback;
    }
  };

  /** The operation with entity keys added, made once per document. */
  function withKeys(rc: OperationContext): CacheDocument {
    let rewritten = model!.documents.get(rc.queryHash);
    if (!rewritten) {
      rewritten = { document: withEntityKeys(model!.entities, rc.document), hash: sha(`${rc.queryHash}:entity-keys`), tags: documentTags(model!.entities, rc.document), keys: new Map(), unhinted: 0 };
      if (model!.documents.size >= DOCUMENTS) model!.documents.delete(model!.documents.keys().next().value as string);
      model!.documents.set(rc.queryHash, rewritten);
    }
    return rewritten;
  }

  /** Adds entity keys to the operation and points the gateway at that document. */
  function addEntityKeys(rc: OperationContext): CacheDocument {
    const rewritten = withKeys(rc);
    const operation = rewritten.document.definitions.find(
      (d) => d.kind === 'OperationDefinition' && (d.name?.value ?? null) === (rc.operation?.name?.value ?? null),
    );
    Object.assign(rc, { document: rewritten.document, operation, queryHash: rewritten.hash });
    return rewritten;
  }

  /** The key of this operation with these variables; made once per operation when there are none. */
  function keyOf(rc: OperationContext, rewritten: CacheDocument): string {
    const variables = rc.request.variables;
    const make = (v: unknown) => sha(stable([model!.schemaId, rewritten.hash, rc.operationName, v]));
    if (variables && Object.keys(variables).length) return make(variables);
    const name = rc.operationName ?? '';
    let key = rewritten.keys.get(name);
    if (key === undefined) rewritten.keys.set(name, (key = make({})));
    return key;
  }

  /** The entry this caller may be served for this key, if the store holds one. */
  async function lookup(key: string, identity: string | undefined): Promise<CachedResponse | undefined> {
    const entry = await guarded(() => store.get(key), undefined);
    if (!entry || !('private' in entry)) return entry;
    if (!identity) return undefined;
    const own = await guarded(() => store.get(`${key}:${identity}`), undefined);
    return own && !('private' in own) ? own : undefined;
  }

  // Entries found by `peek`, served by the stage for the same request (so an eviction in between
  // cannot turn a peeked hit into a miss).
  const peeked = new WeakMap<OperationContext, { entry: CachedResponse }>();

  const mutationStage = (rc: OperationContext, scope: Parameters<Stage['operation']>[1]) => {
    addEntityKeys(rc);
    const argumentIds = mutationArgumentIds(rc.schema, rc.document, rc.operation!, rc.contextValue.variables ?? rc.request.variables ?? {});
    scope.beforeResponse(async (response) => {
      if (response.response.body.kind !== 'single') return;
      const result = response.response.body.singleResult;
      const { data, tags: touched } = takeEntityTags(result.data);
      result.data = data;
      const tags = new Set<string>();
      // What the subgraphs declared they changed, by their canonical keys: evicted even after an error.
      for (const { type, key } of rc.contextValue.invalidations ?? []) for (const tag of declaredEntityTags(model!.entities, type, key)) tags.add(tag);
      if (result.data) {
        for (const tag of touched) {
          tags.add(tag);
          if (tag.startsWith('e:')) tags.add(`l:${tag.split(':')[1]}`);
        }
        // A subgraph that declares nothing: the ids the mutation was given, as execution saw them.
        for (const id of argumentIds) tags.add(`id:${id}`);
      }
      if (tags.size === 0) return;
      const evicted = await guarded(() => store.evict(tags), 0);
      events.evicted(evicted);
    });
  };

  const stage: Stage = {
    name: 'cache',
    async operation(rc, scope) {
      if (!model || !rc.operation) return;
      if (rc.operation.operation === 'mutation') return mutationStage(rc, scope);
      if (rc.operation.operation !== 'query') return;
      if (bypassAllowed(config, rc)) {
        events.bypass();
        rc.contextValue.report.cache = 'BYPASS';
        scope.beforeResponse((response) => void response.response.http.headers.set(CACHE_STATUS_HEADER, 'BYPASS'));
        return;
      }
      const keyless = withKeys(rc).unhinted >= KEYLESS_AFTER;
      const rewritten = keyless ? withKeys(rc) : addEntityKeys(rc);
      const staticTags = rewritten.tags;
      const key = keyOf(rc, rewritten);
      const identity = identityOf(rc.contextValue);
      let served: CachedResponse | undefined;
      let resolveFlight: ((outcome: Outcome) => void) | undefined;
      let epoch: number | undefined;

      scope.respondWith(async () => {
        // A peeked entry is served even if a reload changed the key since: it was this caller's answer a moment ago.
        const early = peeked.get(rc);
        let entry = early ? early.entry : await lookup(key, identity);
        if (!entry) {
          const flight = inFlight.get(key);
          if (flight) {
            // Another request is fetching the same thing: use its answer if this caller may have it.
            const outcome = await flight;
            // A copy: each response is finished (authorization's nulls, the cost report) on its own.
            if (outcome && (outcome.entry.scope === 'PUBLIC' || outcome.identity === identity)) entry = structuredClone(outcome.entry);
          } else {
            inFlight.set(key, new Promise<Outcome>((resolve) => (resolveFlight = resolve)));
            epoch = await guarded(() => store.epoch(), undefined);
          }
        }
        if (!entry) return null;
        served = entry;
        if (entry.result.data && entry.dataJson !== undefined) serialized.set(entry.result.data, entry.dataJson);
        const age = Math.floor((Date.now() - entry.storedAt) / 1000);
        rc.overallCachePolicy.replace({ maxAge: Math.max(0, entry.maxAge - age), scope: entry.scope });
        return { http: { status: 200, headers: new Map([['age', String(age)]]) as never }, body: { kind: 'single', singleResult: { ...entry.result } } } as never;
      });

      scope.beforeResponse(async (response) => {
        const headers = response.response.http.headers;
        if (served) {
          events.hit();
          rc.contextValue.report.cache = 'HIT';
          headers.set(CACHE_STATUS_HEADER, 'HIT');
          return;
        }
        events.miss();
        rc.contextValue.report.cache = 'MISS';
        headers.set(CACHE_STATUS_HEADER, 'MISS');
        const body = response.response.body;
        if (body.kind !== 'single') {
          resolveFlight?.(null);
          if (resolveFlight) inFlight.delete(key);
          return;
        }
        const result = body.singleResult;
        const policy = response.overallCachePolicy.policyIfCacheable();
        // Only a complete answer says something about hints (an error answer, e.g. to bad variables, has none).
        if (policy) rewritten.unhinted = 0;
        else if (result.data && !result.errors?.length) rewritten.unhinted++;
        let tags = new Set<string>();
        if (!keyless) ({ data: result.data, tags } = takeEntityTags(result.data));
        for (const tag of staticTags) tags.add(tag);
        const cacheable =
          !keyless && policy && policy.maxAge > 0 && result.data && (config.cacheErrors || !result.errors?.length) && (policy.scope !== 'PRIVATE' || identity);
        if (!cacheable || !policy) {
          resolveFlight?.(null);
          if (resolveFlight) inFlight.delete(key);
          return;
        }
        const dataJson = JSON.stringify(result.data);
        serialized.set(result.data!, dataJson);
        const entry: CachedResponse = {
          result: { data: result.data, ...(result.errors ? { errors: result.errors as unknown[] } : {}) },
          dataJson,
          storedAt: Date.now(),
          maxAge: policy.maxAge,
          scope: policy.scope === 'PRIVATE' ? 'PRIVATE' : 'PUBLIC',
        };
        resolveFlight?.({ entry, identity });
        // A mutation evicted something while this ran, or a subgraph answer came from a call that
        // started before this request: what it read may be stale, so keep it out.
        if (epoch === undefined || rc.contextValue.sharedSubgraphAnswer || (await guarded(() => store.epoch(), -1)) !== epoch) {
          if (resolveFlight) inFlight.delete(key);
          return;
        }
        const ttl = policy.maxAge * 1000;
        await guarded(async () => {
          if (entry.scope === 'PRIVATE') {
            await store.set(key, { private: true }, ttl, tags);
            await store.set(`${key}:${identity}`, entry, ttl, tags);
          } else {
            await store.set(key, entry, ttl, tags);
          }
        }, undefined);
        // Followers that arrive until the entry is stored still ride on this fetch.
        if (resolveFlight) inFlight.delete(key);
      });
    },
  };

  return {
    stage,
    /**
     * Whether this query, as the stages before the cache left it, would be answered from the store
     * now. Changes nothing; the stage then serves the entry found here.
     */
    async peek(rc: OperationContext): Promise<boolean> {
      if (!model || rc.operation?.operation !== 'query' || bypassAllowed(config, rc)) return false;
      const key = keyOf(rc, withKeys(rc));
      const entry = await lookup(key, identityOf(rc.contextValue));
      if (entry) peeked.set(rc, { entry });
      return entry !== undefined;
    },
    /** The JSON of a response's data when the cache already holds it (unchanged since), else undefined. */
    serializedData: (data: object) => serialized.get(data),
    /** The same as bytes, made once per held answer. */
    serializedBytes(data: object): Buffer | undefined {
      let bytes = serializedBytes.get(data);
      if (bytes) return bytes;
      const json = serialized.get(data);
      if (json !== undefined) serializedBytes.set(data, (bytes = Buffer.from(json)));
      return bytes;
    },
    useSupergraph(supergraph: Supergraph) {
      // Entries of an older supergraph are never served by a newer one.
      model = { schemaId: supergraphId(supergraph), entities: readEntityModel(supergraph), documents: new Map() };
    },
    store,
  };
}
