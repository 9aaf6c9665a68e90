import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { PorticoConfig } from '../config/index.js';
import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import { supergraphId, type Supergraph } from '../gateway/supergraph.js';
import type { Operation } from '../server/operation.js';
import type { OperationScope, PorticoPlugin } from '../server/pipeline.js';
import { documentTags, readEntityModel, takeEntityTags, withEntityKeys, type EntityModel } from './entity-keys.js';
import { declaredEntityTags, mutationArgumentIds } from './mutation-tags.js';
import type { CachedResponse, ResponseCacheStore } from './store.js';

export const CACHE_STATUS_HEADER = 'x-cache';

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
  definition: OperationDefinitionNode;
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

function bypassAllowed(config: PorticoConfig['cache'], op: Operation): boolean {
  const header = op.headers.get('cache-control');
  if (!header || !/no-cache|no-store/i.test(header)) return false;
  return config.bypass === 'everyone' || (config.bypass === 'authenticated' && op.context.caller.authenticated);
}

/**
 * The response cache. Keys cover the operation as this caller may see it (authorization's rewrite
 * is in the hash), its variables, and for private answers the caller's identity. Responses are tagged
 * with the entities they hold; a mutation evicts the tags of the entities it touched.
 */
export function useResponseCache(config: PorticoConfig['cache'], store: ResponseCacheStore, logger: Logger, events: CacheEvents): PorticoPlugin {
  let model: { schemaId: string; entities: EntityModel } | undefined;
  const inFlight = new Map<string, Promise<Outcome>>();
  // A held answer's data as bytes, made once per entry: a hit is written with them as they are.
  const dataBytes = new WeakMap<object, Buffer>();
  const bytesOf = (data: object, json: string) => {
    let bytes = dataBytes.get(data);
    if (!bytes) dataBytes.set(data, (bytes = Buffer.from(json)));
    return bytes;
  };

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
  function withKeys(op: Operation): CacheDocument {
    const { entities } = model!;
    return op.analysis('cache', () => {
      const document = withEntityKeys(entities, op.runs.document);
      const name = op.runs.definition.name?.value ?? null;
      const definition = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition' && (d.name?.value ?? null) === name)!;
      return { document, definition, hash: sha(`${op.runs.hash}:entity-keys`), tags: documentTags(entities, op.runs.document), keys: new Map(), unhinted: 0 };
    });
  }

  /** Adds entity keys to the operation: the gateway runs that document. */
  function addEntityKeys(op: Operation): CacheDocument {
    const rewritten = withKeys(op);
    op.rewrite({ document: rewritten.document, definition: rewritten.definition, hash: rewritten.hash });
    return rewritten;
  }

  /** The key of this operation with these variables; made once per operation when there are none. */
  function keyOf(op: Operation, rewritten: CacheDocument): string {
    const { variables } = op;
    const make = (v: unknown) => sha(stable([model!.schemaId, rewritten.hash, op.name, v]));
    if (Object.keys(variables).length) return make(variables);
    const name = op.name ?? '';
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

  const mutationStage = (op: Operation, scope: OperationScope) => {
    addEntityKeys(op);
    const argumentIds = mutationArgumentIds(op.schema, op.runs.document, op.runs.definition, op.variables);
    const { context } = op;
    scope.onResponse(async (response) => {
      const { data, tags: touched } = takeEntityTags(response.result.data);
      response.result = { ...response.result, data };
      const tags = new Set<string>();
      // What the subgraphs declared they changed, by their canonical keys: evicted even after an error.
      for (const { type, key } of context.invalidations ?? []) for (const tag of declaredEntityTags(model!.entities, type, key)) tags.add(tag);
      if (data) {
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

  return {
    name: 'cache',
    onSupergraph(supergraph: Supergraph) {
      // Entries of an older supergraph are never served by a newer one.
      model = { schemaId: supergraphId(supergraph), entities: readEntityModel(supergraph) };
    },
    async onOperation(op, scope) {
      if (!model) return;
      if (op.type === 'mutation') return mutationStage(op, scope);
      if (op.type !== 'query') return;
      const { report } = op.context;
      if (bypassAllowed(config, op)) {
        events.bypass();
        report.cache = 'BYPASS';
        scope.onResponse((response) => void response.headers.set(CACHE_STATUS_HEADER, 'BYPASS'));
        return;
      }
      const keyless = withKeys(op).unhinted >= KEYLESS_AFTER;
      const rewritten = keyless ? withKeys(op) : addEntityKeys(op);
      const staticTags = rewritten.tags;
      const key = keyOf(op, rewritten);
      const identity = op.context.identity.key;
      let served: CachedResponse | undefined;
      let resolveFlight: ((outcome: Outcome) => void) | undefined;
      let epoch: number | undefined;

      scope.respondWith(async () => {
        let entry = await lookup(key, identity);
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
        const age = Math.floor((Date.now() - entry.storedAt) / 1000);
        op.cachePolicy.replace({ maxAge: Math.max(0, entry.maxAge - age), scope: entry.scope });
        return { ...entry.result } as { data: Record<string, unknown> };
      });

      scope.onResponse(async (response) => {
        const { headers } = response;
        if (served) {
          events.hit();
          report.cache = 'HIT';
          headers.set(CACHE_STATUS_HEADER, 'HIT');
          headers.set('age', String(Math.floor((Date.now() - served.storedAt) / 1000)));
          const data = served.result.data;
          if (data && served.dataJson !== undefined) response.serialized = { data, bytes: bytesOf(data, served.dataJson) };
          return;
        }
        events.miss();
        report.cache = 'MISS';
        headers.set(CACHE_STATUS_HEADER, 'MISS');
        const result = { ...response.result };
        const policy = op.cachePolicy.policyIfCacheable();
        // Only a complete answer says something about hints (an error answer, e.g. to bad variables, has none).
        if (policy) rewritten.unhinted = 0;
        else if (result.data && !result.errors?.length) rewritten.unhinted++;
        let tags = new Set<string>();
        if (!keyless) ({ data: result.data, tags } = takeEntityTags(result.data));
        response.result = result;
        for (const tag of staticTags) tags.add(tag);
        const cacheable =
          !keyless && policy && policy.maxAge > 0 && result.data && (config.cacheErrors || !result.errors?.length) && (policy.scope !== 'PRIVATE' || identity);
        if (!cacheable || !policy) {
          resolveFlight?.(null);
          if (resolveFlight) inFlight.delete(key);
          return;
        }
        const dataJson = JSON.stringify(result.data);
        response.serialized = { data: result.data!, bytes: bytesOf(result.data!, dataJson) };
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
        if (epoch === undefined || op.context.sharedSubgraphAnswer || (await guarded(() => store.epoch(), -1)) !== epoch) {
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
}
