/**
 * An async iterator fed by `push`: what a subscription resolver returns. Bounded: past `maxQueued`
 * events waiting for a slow reader, `push` returns false and the event is not kept. Ended by `end`
 * (after what is queued is read; with an error, the reader's next `next()` rejects with it) or by the
 * reader's `return()`, which runs `onDone` at once, even while a `next()` is pending.
 */
export function createQueueIterator<T>(maxQueued: number, onDone: () => void = () => {}) {
  const queued: T[] = [];
  let waiting: { resolve: (result: IteratorResult<T>) => void; reject: (error: Error) => void } | undefined;
  let failure: Error | undefined;
  let ending = false;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    queued.length = 0;
    onDone();
    waiting?.resolve({ value: undefined, done: true });
    waiting = undefined;
  };
  const iterator: AsyncIterableIterator<T> & { return(): Promise<IteratorResult<T>> } = {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      if (done) return Promise.resolve({ value: undefined, done: true });
      if (queued.length) return Promise.resolve({ value: queued.shift()!, done: false });
      if (failure) {
        const error = failure;
        finish();
        return Promise.reject(error);
      }
      if (ending) {
        finish();
        return Promise.resolve({ value: undefined, done: true });
      }
      return new Promise((resolve, reject) => (waiting = { resolve, reject }));
    },
    return() {
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(error?: unknown) {
      finish();
      return Promise.reject(error);
    },
  };
  return {
    iterator,
    /** Queues `value`; false when it was not kept (ended, or the queue is full). */
    push(value: T): boolean {
      if (done || ending || failure) return false;
      if (waiting) {
        const { resolve } = waiting;
        waiting = undefined;
        resolve({ value, done: false });
        return true;
      }
      if (queued.length >= maxQueued) return false;
      queued.push(value);
      return true;
    },
    /** How many events wait for the reader. */
    get size() {
      return queued.length;
    },
    get done() {
      return done || ending || failure !== undefined;
    },
    end(error?: Error): void {
      if (done || ending || failure) return;
      if (error) failure = error;
      else ending = true;
      if (waiting && !queued.length) {
        const pending = waiting;
        waiting = undefined;
        if (error) {
          finish();
          pending.reject(error);
        } else {
          finish();
          pending.resolve({ value: undefined, done: true });
        }
      }
    },
  };
}
