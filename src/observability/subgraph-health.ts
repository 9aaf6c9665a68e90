import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Fetcher } from '@apollo/utils.fetcher';
import { UNAVAILABLE_STATUSES, type CircuitState } from '../gateway/resilience.js';

/** What an operator is told about one subgraph. */
export interface SubgraphStatus {
  /** `up`: it answers; `down`: it does not; `circuit-open`: the gateway fails its calls at once for now. */
  state: 'up' | 'down' | 'circuit-open';
  /** The breaker's own state (`closed` when the breaker is off). */
  circuit: CircuitState;
  /** Whether the probe just now got an answer (with an open circuit: whether it will close at its next probe). */
  reachable: boolean;
  url: string;
  /** How long the probe took, in ms. */
  probeMs: number;
  /** Why the probe failed (an error code or `HTTP 503`), when it did. */
  error?: string;
}

/** How long one probe may take, in ms: the fetcher given to `track` should give up after it. */
export const PROBE_TIMEOUT_MS = 2000;

interface Tracked {
  url: string;
  circuitState: () => CircuitState;
  fetch: Fetcher;
}

/** The subgraph names of a supergraph SDL (its `@join__graph(name: …)` values). */
export function subgraphNames(supergraphSdl: string): string[] {
  return [...supergraphSdl.matchAll(/@join__graph\(\s*name:\s*"([^"]+)"/g)].map((m) => m[1]);
}

/** `/health` beside the subgraph's GraphQL path: Portico's subgraphs serve it; any other answer counts too. */
export function probeUrl(subgraphUrl: string): string {
  return new URL('/health', subgraphUrl).toString();
}

/**
 * Each subgraph's state for `GET /health/subgraphs`: the gateway tracks every subgraph it builds a
 * data source for (`track`, from `buildService`), and a report probes them all at once with
 * `GET <origin>/health`, outside retries and the breaker. A subgraph is up when it answers at all,
 * except 502/503/504 (the same line the circuit breaker draws): a 404 from a subgraph without a
 * health route is still a subgraph answering.
 */
export function createSubgraphHealth() {
  const tracked = new Map<string, Tracked>();

  async function probe(name: string, entry: Tracked): Promise<[string, SubgraphStatus]> {
    const started = performance.now();
    let error: string | undefined;
    try {
      const response = await entry.fetch(probeUrl(entry.url), { method: 'GET' });
      await response.text().catch(() => '');
      if (UNAVAILABLE_STATUSES.includes(response.status)) error = `HTTP ${response.status}`;
    } catch (caught) {
      const e = caught as { code?: unknown; cause?: { code?: unknown } };
      error = String(e?.cause?.code ?? e?.code ?? 'UNREACHABLE');
    }
    const circuit = entry.circuitState();
    const reachable = error === undefined;
    const state = circuit === 'open' ? 'circuit-open' : reachable ? 'up' : 'down';
    return [name, { state, circuit, reachable, url: entry.url, probeMs: Math.round(performance.now() - started), ...(error ? { error } : {}) }];
  }

  async function report(): Promise<Record<string, SubgraphStatus>> {
    return Object.fromEntries(await Promise.all([...tracked].map(([name, entry]) => probe(name, entry))));
  }

  return {
    /** Called for each subgraph the gateway builds a data source for; a rebuilt one replaces the last. */
    track(name: string, url: string, circuitState: () => CircuitState, fetch: Fetcher): void {
      tracked.set(name, { url, circuitState, fetch });
    },
    /** Forgets the subgraphs a new supergraph no longer has (the gateway keeps their data sources, unused). */
    keep(names: readonly string[]): void {
      for (const name of tracked.keys()) if (!names.includes(name)) tracked.delete(name);
    },
    /** Every tracked subgraph's state, probed now. */
    report,
    /** `GET /health/subgraphs`: 200 when every subgraph is up, 503 otherwise (and while none is known yet). */
    async handle(_req: IncomingMessage, res: ServerResponse): Promise<void> {
      const subgraphs = await report();
      const up = tracked.size > 0 && Object.values(subgraphs).every((s) => s.state === 'up');
      res.writeHead(up ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ status: up ? 'up' : 'degraded', subgraphs }));
    },
  };
}

export type SubgraphHealth = ReturnType<typeof createSubgraphHealth>;
