import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { Logger } from 'pino';
import { createApqStore } from '../cache/apq-store.js';
import { createMemoryCacheStore } from '../cache/store-memory.js';
import { createRedisCacheStore } from '../cache/store-redis.js';
import type { ResponseCacheStore } from '../cache/store.js';
import type { PorticoConfig } from '../config/index.js';
import { withFailover } from '../cost/budgets-failover.js';
import { createMemoryBudgets } from '../cost/budgets-memory.js';
import { createRedisBudgets } from '../cost/budgets-redis.js';
import type { BudgetStore } from '../cost/budgets.js';
import { createMemoryListSizeStore, createRedisListSizeStore, type ListSizeStore } from '../cost/list-size-store.js';
import { createMemoryCounters, createRedisCounters, withLocalFallback, type RateCounter } from '../cost/rate-counters.js';
import type { ApiKeyStore } from '../keys/api-key.js';
import { createApiKeyStore } from '../keys/store-create.js';
import { createRedisClient, whenReady } from './redis.js';
import { withQuotaFailover, type QuotaStore } from '../keys/quota.js';
import { createMemoryQuotas } from '../keys/quota-store-memory.js';
import { createRedisQuotas } from '../keys/quota-store-redis.js';
import type { UsageStore } from '../keys/usage.js';
import { createMemoryUsage } from '../keys/usage-store-memory.js';
import { createRedisUsage } from '../keys/usage-store-redis.js';

/** The state Portico keeps: in this process by default, in Redis (shared by replicas) with `redisUrl`. */
export interface Stores {
  budgets: BudgetStore;
  rateCounters: RateCounter;
  /** List sizes learned from answers, per supergraph (kept with the budgets). */
  listSizes: ListSizeStore;
  cache: ResponseCacheStore;
  /** Plan quotas' counts per client and period (kept with the budgets, same failover). */
  quotas: QuotaStore;
  /** Usage per client and day; undefined with usage.enabled off. */
  usage?: UsageStore;
  persistedQueries: KeyValueCache<string>;
  /** Issued API keys (hashes): in Redis with `redisUrl`, else in `apiKeys.file`; static keys in front. */
  apiKeys: ApiKeyStore;
  /**
   * Waits (a moment at most) for the shared store's first connection: a gateway answering before
   * Redis is connected would count its first requests on the local fallback, not the shared budgets.
   */
  connected(): Promise<void>;
  /** True when every configured store answers (for readiness). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export function createStores(config: PorticoConfig, logger: Logger, { now }: { now?: () => number } = {}): Stores {
  if (!config.redisUrl) {
    return {
      budgets: createMemoryBudgets({ now }),
      rateCounters: createMemoryCounters({ now }),
      listSizes: createMemoryListSizeStore(now),
      quotas: createMemoryQuotas(),
      usage: config.usage.enabled ? createMemoryUsage() : undefined,
      cache: createMemoryCacheStore({ maxEntries: config.cache.maxEntries }),
      persistedQueries: createApqStore(undefined, config.redisPrefix, config.cache.maxEntries),
      apiKeys: createApiKeyStore(config),
      connected: async () => undefined,
      ping: async () => true,
      close: async () => undefined,
    };
  }
  const redis = createRedisClient(config.redisUrl, logger.child({ module: 'redis' }));
  const prefix = config.redisPrefix;
  const cache = createRedisCacheStore(redis, prefix);
  return {
    budgets: withFailover(createRedisBudgets(redis, prefix), config.cost.budgets.onStoreError, logger.child({ module: 'budgets' })),
    rateCounters: withLocalFallback(createRedisCounters(redis, prefix)),
    listSizes: createRedisListSizeStore(redis, prefix),
    quotas: withQuotaFailover(createRedisQuotas(redis, prefix), createMemoryQuotas(), config.cost.budgets.onStoreError, logger.child({ module: 'quotas' })),
    usage: config.usage.enabled ? createRedisUsage(redis, prefix, config.usage.retentionDays) : undefined,
    cache,
    persistedQueries: createApqStore(redis, prefix, config.cache.maxEntries),
    apiKeys: createApiKeyStore(config, redis),
    connected: () => whenReady(redis, 2000).catch(() => undefined),
    ping: () => cache.ping(),
    close: async () => {
      if (!redis.isOpen) return;
      // close() waits for every reply still expected; from a Redis that does not answer, none comes.
      let timer: NodeJS.Timeout | undefined;
      const closed = await Promise.race([
        redis.close().then(() => true, () => true),
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), 2000))),
      ]);
      clearTimeout(timer);
      if (closed) return;
      try {
        redis.destroy();
      } catch {
        // Already closed by close(), which was only still waiting for replies that will not come.
      }
    },
  };
}
