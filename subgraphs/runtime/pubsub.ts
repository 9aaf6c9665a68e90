import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { createRedisClient, whenReady, type RedisClient } from '../../src/stores/redis.js';
import { createQueueIterator } from '../../src/subscriptions/queue.js';

/**
 * Where a subgraph publishes what changed and its subscriptions listen: in memory (one process), or
 * Redis pub/sub, so that a change made on one replica reaches the subscribers of every replica.
 */
export interface PubSub {
  /** Sends `message` (JSON) to every subscriber of `channel`, in this process and, on Redis, in every other. */
  publish(channel: string, message: unknown): Promise<void>;
  /**
   * Events of `channel` that `accept` lets through, as an async iterator for a subscription resolver.
   * At most `maxQueued` wait for a slow reader; past that the iterator ends with an error.
   */
  iterate<T>(channel: string, accept: (message: T) => boolean, maxQueued?: number): AsyncIterableIterator<T>;
  /** Resolves once it can deliver (Redis connected); rejects after a few seconds otherwise. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_MAX_QUEUED = 1000;

function localFanOut() {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    emit: (channel: string, message: unknown) => void emitter.emit(channel, message),
    iterate<T>(channel: string, accept: (message: T) => boolean, maxQueued = DEFAULT_MAX_QUEUED): AsyncIterableIterator<T> {
      const listener = (message: T) => {
        if (accept(message) && !queue.push(message)) queue.end(new Error(`more than ${maxQueued} events waiting for a slow subscriber`));
      };
      const queue = createQueueIterator<T>(maxQueued, () => emitter.off(channel, listener));
      emitter.on(channel, listener);
      return queue.iterator;
    },
  };
}

/** Pub/sub within this process. */
export function createMemoryPubSub(): PubSub {
  const local = localFanOut();
  return {
    async publish(channel, message) {
      // A copy, as Redis would deliver it: no subscriber shares the publisher's objects.
      local.emit(channel, JSON.parse(JSON.stringify(message)));
    },
    iterate: local.iterate,
    ready: async () => {},
    close: async () => {},
  };
}

/**
 * Pub/sub through Redis: one connection publishes, one listens (a Redis connection in subscriber mode
 * can do nothing else), and this process's subscribers are served from what the listener receives.
 * Channels are prefixed with `prefix`; Redis re-subscribes by itself after a reconnection.
 */
export function createRedisPubSub(url: string, logger: Logger, prefix = 'portico:pubsub:'): PubSub {
  const publisher = createRedisClient(url, logger);
  const listener: RedisClient = publisher.duplicate();
  listener.on('error', () => undefined); // the publisher logs Redis going away and coming back
  listener.connect().catch(() => undefined);
  const local = localFanOut();
  // One pattern subscription for every channel, made before the subgraph serves (`ready`): no
  // subscriber can miss a change published while its channel's own SUBSCRIBE would be on its way.
  let listening: Promise<void> | undefined;
  const listen = () =>
    (listening ??= whenReady(listener).then(() =>
      listener.pSubscribe(`${prefix}*`, (text, channel) => {
        try {
          local.emit(channel.slice(prefix.length), JSON.parse(text));
        } catch {
          logger.warn({ channel }, 'pub/sub message is not JSON; ignored');
        }
      }),
    ));

  return {
    async publish(channel, message) {
      try {
        await publisher.publish(prefix + channel, JSON.stringify(message));
      } catch (error) {
        // The change itself is made: its subscribers miss this one event, and the publisher says so.
        logger.error({ err: { message: (error as Error).message }, channel }, 'could not publish a change to Redis');
      }
    },
    iterate: local.iterate,
    ready: () => Promise.all([whenReady(publisher), listen()]).then(() => undefined),
    async close() {
      await Promise.all([publisher.close().catch(() => publisher.destroy()), listener.close().catch(() => listener.destroy())]);
    },
  };
}
