// Used by `npm start` (scripts/dev.ts) and the topology check (.ci/topology.ts): polls a gateway
// until it is ready and every subgraph it knows answers.
import type { SubgraphStatus } from '../src/observability/subgraph-health.js';

export interface ReadyState {
  /** `GET /health/ready` answered 200. */
  gateway: boolean;
  /** `GET /health/subgraphs`, once the gateway answered it. */
  subgraphs: Record<string, SubgraphStatus>;
}

async function readState(base: string): Promise<ReadyState> {
  const get = (path: string) => fetch(new URL(path, base), { signal: AbortSignal.timeout(3000) });
  const [ready, subgraphs] = await Promise.all([
    get('/health/ready').then((r) => r.ok, () => false),
    get('/health/subgraphs').then(
      async (r) => ((await r.json()) as { subgraphs?: Record<string, SubgraphStatus> }).subgraphs ?? {},
      () => ({}),
    ),
  ]);
  return { gateway: ready, subgraphs };
}

/** True when the gateway is ready and knows at least one subgraph, all of them up. */
export function isReady(state: ReadyState): boolean {
  const all = Object.values(state.subgraphs);
  return state.gateway && all.length > 0 && all.every((s) => s.state === 'up');
}

/** What is still missing, for a "waiting for …" line. */
export function waitingFor(state: ReadyState): string[] {
  const missing = state.gateway ? [] : ['gateway'];
  for (const [name, s] of Object.entries(state.subgraphs)) if (s.state !== 'up') missing.push(`${name} (${s.state})`);
  return missing;
}

/**
 * Polls `base` (the gateway's origin) every `intervalMs` until `isReady`, or rejects after `timeoutMs`
 * naming what was still missing. `onSlow` is told once, after `slowMs`, what it is waiting for.
 */
export async function waitUntilReady(
  base: string,
  { timeoutMs = 120_000, intervalMs = 200, slowMs = 15_000, onSlow }: { timeoutMs?: number; intervalMs?: number; slowMs?: number; onSlow?: (missing: string[]) => void } = {},
): Promise<ReadyState> {
  const started = Date.now();
  let told = false;
  for (;;) {
    const state = await readState(base);
    if (isReady(state)) return state;
    const elapsed = Date.now() - started;
    if (!told && elapsed >= slowMs) {
      told = true;
      onSlow?.(waitingFor(state));
    }
    if (elapsed >= timeoutMs) throw new Error(`not ready after ${Math.round(elapsed / 1000)} s: waiting for ${waitingFor(state).join(', ') || 'a subgraph list'}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
