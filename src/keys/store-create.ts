import type { Logger } from 'pino';
import type { PorticoConfig } from '../config/index.js';
import type { RedisClient } from '../stores/redis.js';
import type { ApiKeyStore } from './api-key.js';
import { createApiKeys, type ApiKeys } from './manager.js';
import { createFileKeyStore } from './store-file.js';
import { createRedisKeyStore } from './store-redis.js';
import { withStaticKeys } from './store-static.js';

/** Where this deployment keeps its keys: Redis when configured, else `apiKeys.file`; static keys in front. */
export function createApiKeyStore(config: PorticoConfig, redis?: RedisClient): ApiKeyStore {
  const store = redis ? createRedisKeyStore(redis, config.redisPrefix) : createFileKeyStore(config.apiKeys.file);
  return withStaticKeys(store, config.apiKeys.static);
}

/** The key manager with the config's plans and rotation grace. */
export function createApiKeysFromConfig(config: PorticoConfig, store: ApiKeyStore, options: { logger?: Logger; now?: () => number } = {}): ApiKeys {
  return createApiKeys(store, {
    plans: Object.keys(config.cost.budgets.plans),
    rotationGraceSeconds: config.apiKeys.rotationGraceSeconds,
    ...options,
  });
}
