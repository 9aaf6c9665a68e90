import { createClient, type RedisClientType } from '@redis/client';
import type { Logger } from 'pino';

export type RedisClient = RedisClientType<{}, {}, {}, 2, {}>;

/**
 * A Redis connection shared by the stores that need one. Commands fail at once while Redis is down
 * (no offline queue), so a caller can degrade as configured instead of hanging; the client keeps
 * reconnecting in the background and logs the loss and the return once each.
 */
export function createRedisClient(url: string, logger: Logger): RedisClient {
  const client: RedisClient = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000) },
  });
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.error({ err: { message: error.message } }, 'redis unavailable; degrading until it returns');
  });
  client.on('ready', () => {
    if (down) logger.info('redis is back');
    down = false;
  });
  // Connecting is not awaited: the gateway starts, and serves degraded, while Redis is away.
  client.connect().catch(() => undefined);
  return client;
}

/** Resolves once the client is connected, or rejects after `timeoutMs`. */
export function whenReady(client: RedisClient, timeoutMs = 5000): Promise<void> {
  if (client.isReady) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis did not become ready')), timeoutMs);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
