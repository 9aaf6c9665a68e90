import type { Logger } from 'pino';

/**
 * One call on a shared store with a fallback (`onStoreError`): when the shared store fails, `open`
 * goes on with the local store, `closed` throws `unavailable()`. Each call tries the shared store
 * again, so it recovers as soon as the store answers; the failure and the return are logged once.
 */
export function createFailover<S>(shared: S, local: S, mode: 'open' | 'closed', logger: Logger, what: string, unavailable: () => Error) {
  let failing = false;
  return async <T>(call: (store: S) => Promise<T>): Promise<T> => {
    try {
      const result = await call(shared);
      if (failing) logger.info(`${what} is back`);
      failing = false;
      return result;
    } catch (error) {
      if (!failing) logger.error({ err: { message: (error as Error).message }, mode }, `${what} failed`);
      failing = true;
      if (mode === 'closed') throw unavailable();
      return call(local);
    }
  };
}
