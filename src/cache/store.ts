/** What is kept for one cached response. */
export interface CachedResponse {
  /** The response body as sent (before authorization's nulls and the cost report, which are added on the way out). */
  result: { data?: Record<string, unknown> | null; errors?: unknown[] };
  /** `result.data` as JSON, made once when stored: a hit is written out without serialising the data again. */
  dataJson?: string;
  storedAt: number;
  maxAge: number;
  scope: 'PUBLIC' | 'PRIVATE';
}

/** Marks a key whose responses are private: look up the caller's own entry instead. */
export interface PrivateMarker {
  private: true;
}

export type CacheEntry = CachedResponse | PrivateMarker;

/** The response cache's storage: entries with a TTL, and a tag index to evict by entity. */
export interface ResponseCacheStore {
  get(key: string): Promise<CacheEntry | undefined>;
  set(key: string, entry: CacheEntry, ttlMs: number, tags: Iterable<string>): Promise<void>;
  /** Removes every entry recorded under any of the tags; returns how many. */
  evict(tags: Iterable<string>): Promise<number>;
  clear(): Promise<void>;
  /** Bumped by every eviction, so a miss that raced a mutation does not store what it read before it. */
  epoch(): Promise<number>;
  /** Answers when the store is reachable. */
  ping(): Promise<boolean>;
}
