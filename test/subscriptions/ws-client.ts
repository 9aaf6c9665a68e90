import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Received {
  data?: any;
  errors?: Array<{ message: string; extensions?: Record<string, any> }>;
}

export interface TestSubscription {
  /** The next result, or rejects after `timeoutMs` (default 5 s) naming what was waited for. */
  next(timeoutMs?: number): Promise<Received>;
  /** Resolves when the server completes the subscription (after all results), with how it ended. */
  ended: Promise<{ completed: true } | { error: unknown }>;
  received: Received[];
  unsubscribe(): void;
}

export interface TestConnection {
  client: Client;
  /** The close event of the socket (code, reason), once it closes. */
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves once acknowledged; rejects with the close event when refused. */
  acknowledged: Promise<void>;
  subscribe(query: string, variables?: Record<string, unknown>): TestSubscription;
  dispose(): Promise<void>;
}

/** A graphql-ws client as an application would open one (no retries: every close is seen). */
export function connect(url: string, connectionParams: Record<string, unknown> | (() => Record<string, unknown>) = {}): TestConnection {
  let onClosed!: (event: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  let ack!: () => void;
  let refuse!: (error: unknown) => void;
  const acknowledged = new Promise<void>((resolve, reject) => {
    ack = resolve;
    refuse = reject;
  });
  acknowledged.catch(() => undefined);
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => undefined,
    on: {
      connected: () => ack(),
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        onClosed({ code, reason: String(reason) });
        refuse({ code, reason: String(reason) });
      },
    },
  });
  return {
    client,
    closed,
    acknowledged,
    subscribe(query, variables) {
      const received: Received[] = [];
      const waiters: Array<(result: Received) => void> = [];
      let end!: (how: { completed: true } | { error: unknown }) => void;
      const ended = new Promise<{ completed: true } | { error: unknown }>((resolve) => (end = resolve));
      const unsubscribe = client.subscribe<any>(
        { query, variables },
        {
          next: (result) => {
            const waiter = waiters.shift();
            if (waiter) waiter(result as Received);
            else received.push(result as Received);
          },
          error: (error) => end({ error }),
          complete: () => end({ completed: true }),
        },
      );
      return {
        received,
        ended,
        unsubscribe,
        next(timeoutMs = 5000) {
          const queued = received.shift();
          if (queued) return Promise.resolve(queued);
          return new Promise((resolve, reject) => {
            const waiter = (result: Received) => {
              clearTimeout(timer);
              resolve(result);
            };
            const timer = setTimeout(() => {
              waiters.splice(waiters.indexOf(waiter), 1);
              reject(new Error(`no event within ${timeoutMs} ms for ${query}`));
            }, timeoutMs);
            waiters.push(waiter);
          });
        },
      };
    },
    dispose: async () => {
      await client.dispose();
    },
  };
}
