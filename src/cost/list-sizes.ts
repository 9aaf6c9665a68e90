import type { Logger } from 'pino';
import type { ClientMaxima, ListSizeStore } from './list-size-store.js';

export interface ListSizeLearningOptions {
  /** Learn the sizes of lists the schema does not size (no `@listSize`, no slicing argument). Default true. */
  enabled: boolean;
  /** Which share of clients' longest answers the learned size covers (0.95: all but the top 5 %). */
  percentile: number;
  /** Distinct clients that must have been answered before a field's learned size replaces the default. */
  minClients: number;
  /** Length of one period of observations, in seconds (default one hour). */
  periodSeconds: number;
  /** Periods the learned size looks back over (default 24). */
  periods: number;
  /** How often this replica writes what it saw and reads what every replica saw, in ms. */
  syncIntervalMs: number;
  /** Clients kept per field and period (the largest maxima stay). */
  maxClientsPerField: number;
}

export interface LearnedField {
  field: string;
  /** The size estimates use now: the learned one, else the default. */
  estimateSize: number;
  learned: boolean;
  /** Distinct clients observed. */
  clients: number;
  /** The median, the configured percentile (`percentile`) and the maximum of the clients' longest answers. */
  p50: number;
  high: number;
  max: number;
  /** What the subgraph should declare instead of being learned. */
  suggestion: string;
}

interface Learned {
  size: number;
  clients: number;
  p50: number;
  high: number;
  max: number;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];

/**
 * Learns how long lists of undeclared size really are, so estimates fit graphs without `@listSize`.
 * Each voter counts once per field (its longest answer in each period), and the learned size is a
 * high percentile over voters. Voters are callers who cannot be made up at will (a token's subject,
 * an issued API key); every anonymous caller together is one voter (see `learningVoter`). A size
 * below the default needs `minClients` voters, so one voter answered short lists cannot pull the size
 * down for everyone, and a caller who made its own estimates small pays the difference after the
 * request (see the cost stage's charge). Sizes are shared through the store, per supergraph;
 * replicas sync every `syncIntervalMs`.
 */
export function createListSizeLearner(options: ListSizeLearningOptions, store: ListSizeStore, logger: Logger, now: () => number = Date.now) {
  let scope = '';
  let pending: ClientMaxima = new Map();
  let learned = new Map<string, Learned>();
  let version = 0;
  let failing = false;
  const periodMs = options.periodSeconds * 1000;

  // Bounded between syncs too: past the cap, only clients already seen raise their maximum.
  function observeInto(field: string, client: string, length: number): void {
    let clients = pending.get(field);
    if (!clients) pending.set(field, (clients = new Map()));
    const known = clients.get(client);
    if (known === undefined ? clients.size < options.maxClientsPerField : known < length) clients.set(client, length);
  }

  async function sync(): Promise<void> {
    const current = Math.floor(now() / periodMs);
    const toWrite = pending;
    pending = new Map();
    try {
      if (toWrite.size) await store.record(scope, current, toWrite, { keepMs: periodMs * (options.periods + 1), maxClients: options.maxClientsPerField });
      const periods = Array.from({ length: options.periods }, (_, i) => current - i);
      const maxima = await store.read(scope, periods);
      const next = new Map<string, Learned>();
      for (const [field, clients] of maxima) {
        const sorted = [...clients.values()].sort((a, b) => a - b);
        const high = quantile(sorted, options.percentile);
        next.set(field, { size: Math.max(1, high), clients: sorted.length, p50: quantile(sorted, 0.5), high, max: sorted[sorted.length - 1] });
      }
      learned = next;
      version++;
      if (failing) logger.info('list size store is back');
      failing = false;
    } catch (error) {
      // What could not be written is kept for the next sync (still bounded per field).
      for (const [field, clients] of toWrite) for (const [client, length] of clients) observeInto(field, client, length);
      if (!failing) logger.warn({ err: { message: (error as Error).message } }, 'list size store failed; estimates keep the sizes learned so far');
      failing = true;
    }
  }

  let running: Promise<void> | undefined;
  const syncOnce = () => (running ??= sync().finally(() => (running = undefined)));
  const timer = options.enabled ? setInterval(() => void syncOnce(), options.syncIntervalMs) : undefined;
  timer?.unref();

  return {
    /** A new supergraph learns afresh: its lists may be other lists. */
    useSupergraph(id: string) {
      if (id === scope) return;
      scope = id;
      pending = new Map();
      learned = new Map();
      version++;
    },
    /** Changes whenever learned sizes may have: estimates memoised under another version are stale. */
    get version() {
      return version;
    },
    /**
     * The learned size of a field. Below the default it needs `minClients` distinct voters; until then
     * learning can only raise an estimate (`defaultListSize` being what it would have been anyway).
     */
    sizeOf(field: string, defaultListSize: number): number {
      const entry = learned.get(field);
      if (!entry) return defaultListSize;
      return entry.clients >= options.minClients ? entry.size : Math.max(defaultListSize, entry.size);
    },
    /** `voter`: who answered lists count for (see `learningVoter`). */
    observe(voter: string, field: string, length: number): void {
      if (options.enabled) observeInto(field, voter, length);
    },
    /** Fields by how far their real sizes are from the default, the furthest first. */
    report(defaultListSize: number): LearnedField[] {
      const rows = [...learned].map(([field, entry]): LearnedField => {
        const isLearned = entry.clients >= options.minClients;
        return {
          field,
          estimateSize: isLearned ? entry.size : Math.max(defaultListSize, entry.size),
          learned: isLearned,
          clients: entry.clients,
          p50: entry.p50,
          high: entry.high,
          max: entry.max,
          suggestion: `@listSize(assumedSize: ${Math.max(1, entry.max)})`,
        };
      });
      const distance = (row: LearnedField) => Math.abs(Math.log((row.high + 1) / (defaultListSize + 1)));
      return rows.sort((a, b) => distance(b) - distance(a) || a.field.localeCompare(b.field));
    },
    /** Writes what this replica saw and reads what all saw, now. */
    sync: syncOnce,
    close() {
      if (timer) clearInterval(timer);
    },
  };
}

export type ListSizeLearner = ReturnType<typeof createListSizeLearner>;

/**
 * Who a caller's answers vote as when sizes are learned: its token subject or its issued API key,
 * else one voter for every anonymous caller (addresses can be had by the thousand).
 */
export function learningVoter(client: string): string {
  return client.startsWith('sub:') || client.startsWith('key:') ? client : 'anonymous';
}
