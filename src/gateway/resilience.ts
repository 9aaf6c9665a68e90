import type { Fetcher, FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';
import { parse } from 'graphql';

/** Retries of a failed subgraph call, for calls that are safe to repeat (queries). */
export interface RetryOptions {
  /** Extra attempts after the first one. Default 2. */
  retries?: number;
  /** Delay before the first retry, in ms; doubled for each next one. Default 50. */
  baseDelayMs?: number;
  /** Longest delay between two attempts, in ms. Default 1000. */
  maxDelayMs?: number;
  /** HTTP statuses worth another attempt (the subgraph or a proxy in front of it is overloaded or restarting). Default 502, 503, 504. */
  retryOnStatus?: readonly number[];
  /**
   * Whether a rejected call (network error, timeout) is worth another attempt. Default
   * `retryableError`: every network error, not a timeout (the call already took the whole timeout;
   * repeating it would multiply the wait).
   */
  retryOnError?: (error: unknown) => boolean;
}

/** A circuit breaker for one subgraph: closed → (N consecutive failures) → open → (cool-down) → half-open → one probe. */
export interface CircuitBreakerOptions {
  /** Consecutive failed calls that open the circuit. Default 5. */
  failureThreshold?: number;
  /** How long the circuit stays open before one probe call is let through, in ms. Default 10 000. */
  coolDownMs?: number;
  /**
   * HTTP statuses that count as a failure of the subgraph itself. Default 502, 503, 504 (down,
   * overloaded, restarting, or a proxy in front of it timed out). Any other answer, a 500 included,
   * is the subgraph answering one request: counting it would let one caller's bad input open the
   * circuit for every caller.
   */
  failureStatuses?: readonly number[];
  /**
   * Start-up grace, in ms from the breaker's creation: while the subgraph has never answered yet,
   * its failures do not count (it is still starting, as the gateway may be up before its
   * subgraphs). Once it has answered, or after the grace, failures count as usual. Default 0.
   */
  startupGraceMs?: number;
}

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface ResilienceOptions {
  /** The subgraph's name, for errors and state-change reports. */
  name: string;
  /** `false` turns retries off. Default: on, with RetryOptions' defaults. */
  retry?: false | RetryOptions;
  /** `false` turns the breaker off. Default: on, with CircuitBreakerOptions' defaults. */
  circuitBreaker?: false | CircuitBreakerOptions;
  /** Whether a call may be repeated. Default `isQueryRequest`: only query operations, never mutations. */
  isRetryable?: (init: FetcherRequestInit) => boolean;
  /** Told when the breaker changes state (logs, metrics). */
  onStateChange?: (state: CircuitState, name: string) => void;
  /** Clock in ms. Default `Date.now`. */
  now?: () => number;
  /** Waits between attempts. Default a `setTimeout` promise. */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/** The rejection of a call refused because the subgraph's circuit is open (`code` as network errors carry one). */
export class CircuitOpenError extends Error {
  readonly code = 'CIRCUIT_OPEN';
  constructor(readonly subgraph: string) {
    super(`circuit open for subgraph ${subgraph}`);
  }
}

/** A fetcher with its breaker's state, for health reports and tests. */
export interface ResilientFetcher extends Fetcher {
  circuitState(): CircuitState;
}

/** The default `retryOnError`: any rejection but a timeout (`code: 'SUBGRAPH_TIMEOUT'`) or an open circuit. */
export function retryableError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code !== 'SUBGRAPH_TIMEOUT' && !(error instanceof CircuitOpenError);
}

/** What the service itself failing looks like on HTTP; the default of both `retryOnStatus` and `failureStatuses`. */
export const UNAVAILABLE_STATUSES: readonly number[] = [502, 503, 504];

const DEFAULT_RETRY: Required<RetryOptions> = {
  retries: 2,
  baseDelayMs: 50,
  maxDelayMs: 1000,
  retryOnStatus: UNAVAILABLE_STATUSES,
  retryOnError: retryableError,
};
const DEFAULT_BREAKER: Required<CircuitBreakerOptions> = { failureThreshold: 5, coolDownMs: 10_000, failureStatuses: UNAVAILABLE_STATUSES, startupGraceMs: 0 };

/**
 * True when the GraphQL request in the body holds only query operations (as `@apollo/gateway` sends
 * a query's fetches and entity lookups). A mutation, a subscription or a body it cannot read is not
 * retryable: a repeated mutation could apply twice.
 */
export function isQueryRequest(init: FetcherRequestInit = {}): boolean {
  if ((init.method ?? 'GET').toUpperCase() === 'GET') return true;
  try {
    const body = JSON.parse(typeof init.body === 'string' ? init.body : (init.body?.toString('utf8') ?? '')) as { query?: unknown };
    if (typeof body?.query !== 'string') return false;
    const definitions = parse(body.query, { noLocation: true }).definitions;
    return definitions.every((d) => d.kind !== 'OperationDefinition' || d.operation === 'query');
  } catch {
    return false;
  }
}

/** Delay before retry number `attempt` (0-based): exponential, capped, with full jitter. */
export function backoffDelay(attempt: number, retry: Pick<Required<RetryOptions>, 'baseDelayMs' | 'maxDelayMs'>, random: () => number): number {
  const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling * random());
}

function createBreaker(options: Required<CircuitBreakerOptions>, now: () => number, report: (s: CircuitState) => void) {
  let state: CircuitState = 'closed';
  let failures = 0;
  let openedAt = 0;
  let probing = false;
  // Until the subgraph first answers, and within the start-up grace, a failure is "not started yet".
  const createdAt = now();
  let answered = false;
  const move = (next: CircuitState) => {
    if (next !== state) {
      state = next;
      report(next);
    }
  };
  return {
    state: () => (state === 'open' && now() - openedAt >= options.coolDownMs ? 'half-open' : state),
    /** Whether a call may go out now; in half-open, only one probe at a time. */
    admit(): boolean {
      if (state === 'closed') return true;
      if (state === 'open') {
        if (now() - openedAt < options.coolDownMs) return false;
        move('half-open');
      }
      if (probing) return false;
      probing = true;
      return true;
    },
    success(): void {
      answered = true;
      failures = 0;
      probing = false;
      move('closed');
    },
    failure(): void {
      if (!answered && now() - createdAt < options.startupGraceMs) return;
      failures += 1;
      if (state === 'half-open' || failures >= options.failureThreshold) {
        probing = false;
        openedAt = now();
        move('open');
      }
    },
  };
}

/**
 * Wraps a subgraph fetcher with retries (only for calls `isRetryable` allows: queries, never
 * mutations; network errors and 502/503/504, not timeouts; exponential backoff with jitter) and a circuit breaker (after `failureThreshold`
 * consecutive failures every call fails at once with `CircuitOpenError` until `coolDownMs` has
 * passed, then one probe decides). A failure is a rejected call (network error, timeout) or one of
 * `failureStatuses` (502/503/504); any other HTTP answer (a 500 or a 4xx included) is a success: the
 * subgraph is up and answered that one request, whatever its GraphQL errors.
 * The wrapped fetcher rejects or resolves as the last attempt did, so the data source's error
 * handling is unchanged.
 */
export function withResilience(fetch: Fetcher, options: ResilienceOptions): ResilientFetcher {
  const retry = options.retry === false ? { ...DEFAULT_RETRY, retries: 0 } : { ...DEFAULT_RETRY, ...options.retry };
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const isRetryable = options.isRetryable ?? isQueryRequest;
  const breakerOptions = options.circuitBreaker === false ? undefined : { ...DEFAULT_BREAKER, ...options.circuitBreaker };
  const breaker = breakerOptions && createBreaker(breakerOptions, now, (s) => options.onStateChange?.(s, options.name));

  const attempt = async (url: string, init?: FetcherRequestInit): Promise<FetcherResponse> => {
    if (breaker && !breaker.admit()) throw new CircuitOpenError(options.name);
    let response: FetcherResponse;
    try {
      response = await fetch(url, init);
    } catch (error) {
      breaker?.failure();
      throw error;
    }
    if (breakerOptions?.failureStatuses.includes(response.status)) breaker?.failure();
    else breaker?.success();
    return response;
  };

  const resilient = async (url: string, init?: FetcherRequestInit): Promise<FetcherResponse> => {
    let retryable: boolean | undefined;
    for (let n = 0; ; n++) {
      let outcome: { response: FetcherResponse } | { error: unknown };
      try {
        outcome = { response: await attempt(url, init) };
      } catch (error) {
        outcome = { error };
      }
      const failed = 'error' in outcome ? retry.retryOnError(outcome.error) : retry.retryOnStatus.includes(outcome.response.status);
      // Decided once, and only when a retry is in question: parsing the body costs nothing on success.
      if (failed && n < retry.retries && (retryable ??= isRetryable(init ?? {})) && breaker?.state() !== 'open') {
        await sleep(backoffDelay(n, retry, random));
        continue;
      }
      if ('error' in outcome) throw outcome.error;
      return outcome.response;
    }
  };
  return Object.assign(resilient, { circuitState: () => breaker?.state() ?? ('closed' as const) });
}
