import type { FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';
import { describe, expect, it, vi } from 'vitest';
import { backoffDelay, CircuitOpenError, isQueryRequest, withResilience, type ResilienceOptions } from '../../src/gateway/resilience.js';

const QUERY: FetcherRequestInit = { method: 'POST', body: JSON.stringify({ query: 'query Q__todos__0 { todos { nodes { id } } }' }) };
const ENTITIES: FetcherRequestInit = {
  method: 'POST',
  body: JSON.stringify({ query: 'query($representations:[_Any!]!){_entities(representations:$representations){...on User{name}}}', variables: {} }),
};
const MUTATION: FetcherRequestInit = { method: 'POST', body: JSON.stringify({ query: 'mutation { addTodo(input: { title: "x" }) { id } }' }) };

function response(status: number): FetcherResponse {
  return { status, ok: status < 300 } as FetcherResponse;
}

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
}

/** A clock and a sleep that only advance the clock, so backoff and cool-downs take no real time. */
function fakeTime() {
  let t = 0;
  const slept: number[] = [];
  return {
    now: () => t,
    advance: (ms: number) => void (t += ms),
    slept,
    sleep: async (ms: number) => {
      slept.push(ms);
      t += ms;
    },
  };
}

function setup(outcomes: Array<number | Error>, options: Partial<ResilienceOptions> = {}) {
  const time = fakeTime();
  const fetch = vi.fn(async () => {
    const next = outcomes.length > 1 ? outcomes.shift()! : outcomes[0];
    if (next instanceof Error) throw next;
    return response(next);
  });
  const states: string[] = [];
  const resilient = withResilience(fetch, {
    name: 'todos',
    now: time.now,
    sleep: time.sleep,
    random: () => 1,
    onStateChange: (s) => states.push(s),
    ...options,
  });
  return { fetch, resilient, time, states };
}

describe('isQueryRequest', () => {
  it('allows queries and entity fetches, never mutations, subscriptions or unreadable bodies', () => {
    expect(isQueryRequest(QUERY)).toBe(true);
    expect(isQueryRequest(ENTITIES)).toBe(true);
    expect(isQueryRequest(MUTATION)).toBe(false);
    expect(isQueryRequest({ method: 'POST', body: JSON.stringify({ query: 'subscription { x }' }) })).toBe(false);
    expect(isQueryRequest({ method: 'POST', body: JSON.stringify({ query: '{ a } mutation { b }' }) })).toBe(false);
    expect(isQueryRequest({ method: 'POST', body: 'not json' })).toBe(false);
    expect(isQueryRequest({ method: 'POST', body: JSON.stringify({ query: '{ unterminated' }) })).toBe(false);
    expect(isQueryRequest({ method: 'POST', body: Buffer.from(QUERY.body as string) })).toBe(true);
  });
});

describe('backoffDelay', () => {
  it('doubles from the base delay up to the cap, scaled by the jitter', () => {
    const retry = { baseDelayMs: 50, maxDelayMs: 300 };
    // 50 × 2^n, capped at 300: 50, 100, 200, 300, 300
    expect([0, 1, 2, 3, 4].map((n) => backoffDelay(n, retry, () => 1))).toEqual([50, 100, 200, 300, 300]);
    expect(backoffDelay(2, retry, () => 0.5)).toBe(100);
    expect(backoffDelay(2, retry, () => 0)).toBe(0);
  });
});

describe('retries', () => {
  it('repeats a query after a network error, with backoff, until it succeeds', async () => {
    const { fetch, resilient, time } = setup([refused(), refused(), 200]);
    const answer = await resilient('http://todos/graphql', QUERY);
    expect(answer.status).toBe(200);
    expect(fetch).toHaveBeenCalledTimes(3);
    expect(time.slept).toEqual([50, 100]);
  });

  it('repeats a query on 502/503/504 but not on a 500 or a 4xx', async () => {
    expect((await setup([503, 200]).resilient('u', QUERY)).status).toBe(200);
    const five = setup([500, 200]);
    expect((await five.resilient('u', QUERY)).status).toBe(500);
    expect(five.fetch).toHaveBeenCalledTimes(1);
    const four = setup([400, 200]);
    expect((await four.resilient('u', QUERY)).status).toBe(400);
    expect(four.fetch).toHaveBeenCalledTimes(1);
  });

  it('gives up after the configured retries with the last failure', async () => {
    const { fetch, resilient } = setup([refused()], { retry: { retries: 3 } });
    await expect(resilient('u', QUERY)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(fetch).toHaveBeenCalledTimes(4);
  });

  it('never repeats a mutation', async () => {
    const { fetch, resilient } = setup([refused(), 200]);
    await expect(resilient('u', MUTATION)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const unavailable = setup([503, 200]);
    expect((await unavailable.resilient('u', MUTATION)).status).toBe(503);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(unavailable.fetch).toHaveBeenCalledTimes(1);
  });

  it('does not repeat a timeout unless told to', async () => {
    const timeout = () => Object.assign(new Error('no answer within 100 ms'), { code: 'SUBGRAPH_TIMEOUT' });
    const plain = setup([timeout(), 200]);
    await expect(plain.resilient('u', QUERY)).rejects.toMatchObject({ code: 'SUBGRAPH_TIMEOUT' });
    expect(plain.fetch).toHaveBeenCalledTimes(1);
    const told = setup([timeout(), 200], { retry: { retryOnError: () => true } });
    expect((await told.resilient('u', QUERY)).status).toBe(200);
    expect(told.fetch).toHaveBeenCalledTimes(2);
  });

  it('takes a predicate for what may be repeated, and can be turned off', async () => {
    const never = setup([refused(), 200], { isRetryable: () => false });
    await expect(never.resilient('u', QUERY)).rejects.toThrow();
    expect(never.fetch).toHaveBeenCalledTimes(1);
    const off = setup([refused(), 200], { retry: false });
    await expect(off.resilient('u', QUERY)).rejects.toThrow();
    expect(off.fetch).toHaveBeenCalledTimes(1);
  });
});

describe('circuit breaker', () => {
  const options = { retry: false as const, circuitBreaker: { failureThreshold: 3, coolDownMs: 1000 } };

  it('opens after N consecutive failures and then fails fast without calling the subgraph', async () => {
    const { fetch, resilient, states } = setup([refused()], options);
    for (let i = 0; i < 3; i++) await expect(resilient('u', QUERY)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(resilient.circuitState()).toBe('open');
    await expect(resilient('u', QUERY)).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(resilient('u', MUTATION)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN', subgraph: 'todos' });
    expect(fetch).toHaveBeenCalledTimes(3);
    expect(states).toEqual(['open']);
  });

  it('start-up grace: a subgraph that never answered does not open it until the grace is over', async () => {
    const grace = { retry: false as const, circuitBreaker: { failureThreshold: 3, coolDownMs: 1000, startupGraceMs: 30_000 } };
    const starting = setup([refused()], grace);
    for (let i = 0; i < 10; i++) await expect(starting.resilient('u', QUERY)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(starting.resilient.circuitState()).toBe('closed');
    // Past the grace, a subgraph that never came up is failed fast as usual.
    starting.time.advance(30_000);
    for (let i = 0; i < 3; i++) await expect(starting.resilient('u', QUERY)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(starting.resilient.circuitState()).toBe('open');
    // Once it has answered, the grace no longer applies: three failures open it at once.
    const answered = setup([200, refused()], grace);
    await answered.resilient('u', QUERY);
    for (let i = 0; i < 3; i++) await expect(answered.resilient('u', QUERY)).rejects.toThrow();
    expect(answered.resilient.circuitState()).toBe('open');
  });

  it('counts 502/503/504 answers as failures, and a success resets the count', async () => {
    const { resilient } = setup([503, 502, 200, 504, 503, 200], options);
    for (let i = 0; i < 6; i++) await resilient('u', QUERY);
    expect(resilient.circuitState()).toBe('closed');
    const failing = setup([503, 502, 504], options);
    for (let i = 0; i < 3; i++) await failing.resilient('u', QUERY);
    expect(failing.resilient.circuitState()).toBe('open');
  });

  it("does not count a 500 or a 4xx (an answer to one caller's request): ten in a row leave the circuit closed", async () => {
    const { fetch, resilient, states } = setup([500, 400, 500, 413, 500, 500, 401, 500, 500, 500, 200], options);
    for (let i = 0; i < 10; i++) await resilient('u', QUERY);
    expect(resilient.circuitState()).toBe('closed');
    expect((await resilient('u', QUERY)).status).toBe(200);
    expect(fetch).toHaveBeenCalledTimes(11);
    expect(states).toEqual([]);
    // Such an answer also breaks a run of real failures: the subgraph is up.
    const mixed = setup([503, 503, 500, 503, 503], options);
    for (let i = 0; i < 5; i++) await mixed.resilient('u', QUERY);
    expect(mixed.resilient.circuitState()).toBe('closed');
  });

  it('counts the statuses it is told to with failureStatuses', async () => {
    const { resilient } = setup([500], { retry: false, circuitBreaker: { failureThreshold: 2, coolDownMs: 1000, failureStatuses: [500] } });
    for (let i = 0; i < 2; i++) await resilient('u', QUERY);
    expect(resilient.circuitState()).toBe('open');
  });

  it('closes when the half-open probe is answered with a 500: the subgraph is up', async () => {
    const { resilient, time } = setup([refused(), refused(), refused(), 500], options);
    for (let i = 0; i < 3; i++) await expect(resilient('u', QUERY)).rejects.toThrow();
    time.advance(1000);
    expect((await resilient('u', QUERY)).status).toBe(500);
    expect(resilient.circuitState()).toBe('closed');
  });

  it('lets one probe through after the cool-down and closes when it succeeds', async () => {
    const outcomes: Array<number | Error> = [refused(), refused(), refused(), 200];
    const { fetch, resilient, time, states } = setup(outcomes, options);
    for (let i = 0; i < 3; i++) await expect(resilient('u', QUERY)).rejects.toThrow();
    time.advance(999);
    await expect(resilient('u', QUERY)).rejects.toBeInstanceOf(CircuitOpenError);
    time.advance(1);
    expect(resilient.circuitState()).toBe('half-open');
    expect((await resilient('u', QUERY)).status).toBe(200);
    expect(resilient.circuitState()).toBe('closed');
    expect(fetch).toHaveBeenCalledTimes(4);
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('reopens for another cool-down when the probe fails, and admits one probe at a time', async () => {
    let release!: (r: FetcherResponse) => void;
    const time = fakeTime();
    let calls = 0;
    const fetch = vi.fn(async () => {
      calls += 1;
      if (calls <= 3) throw refused();
      if (calls === 4) throw refused();
      return new Promise<FetcherResponse>((resolve) => (release = resolve));
    });
    const resilient = withResilience(fetch, { name: 'users', now: time.now, sleep: time.sleep, ...options });
    for (let i = 0; i < 3; i++) await expect(resilient('u', QUERY)).rejects.toThrow();
    time.advance(1000);
    await expect(resilient('u', QUERY)).rejects.toMatchObject({ code: 'ECONNREFUSED' }); // the probe fails
    expect(resilient.circuitState()).toBe('open');
    time.advance(500);
    await expect(resilient('u', QUERY)).rejects.toBeInstanceOf(CircuitOpenError);
    time.advance(500);
    const probe = resilient('u', QUERY);
    await expect(resilient('u', QUERY)).rejects.toBeInstanceOf(CircuitOpenError); // a second caller while probing
    release(response(200));
    expect((await probe).status).toBe(200);
    expect(resilient.circuitState()).toBe('closed');
    expect(fetch).toHaveBeenCalledTimes(5);
  });

  it('stops retrying once the circuit opens', async () => {
    const { fetch, resilient } = setup([refused()], { retry: { retries: 10 }, circuitBreaker: { failureThreshold: 2, coolDownMs: 1000 } });
    await expect(resilient('u', QUERY)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('works on real timers too', async () => {
    vi.useFakeTimers();
    try {
      const fetch = vi.fn().mockRejectedValueOnce(refused()).mockResolvedValue(response(200));
      const pending = withResilience(fetch, { name: 'todos', random: () => 1, retry: { baseDelayMs: 200 } })('u', QUERY);
      await vi.advanceTimersByTimeAsync(199);
      expect(fetch).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(1);
      expect((await pending).status).toBe(200);
      expect(fetch).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
