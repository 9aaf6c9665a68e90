// The gateways a run compares, in the order of each interleaved round.
import type { SupergraphVariant } from '../compose.js';

export interface GatewayDefinition {
  /** Short name used on the command line and in results. */
  id: string;
  label: string;
  /** Process entry point, relative to bench/. Absent for a row that cannot be measured yet. */
  script?: string;
  /** Why there is no figure for this row (printed in the table instead of numbers). */
  unavailable?: string;
  /** The baseline the ratios are relative to. */
  baseline?: boolean;
  /** A failure to start is reported, not fatal to --smoke (third-party gateway). */
  optional?: boolean;
  /** Portico: what `x-cache` must say on a repeated read, checked before measuring. */
  expectCache?: 'HIT' | 'MISS';
  /** The supergraph it serves; default the plain one. */
  supergraph?: SupergraphVariant;
  /** Extra environment for its process. */
  env?: Record<string, string>;
  /** Runs only when named with --gateways. */
  optIn?: boolean;
  /** `false`: not pinned to the gateway core (it runs on every core, beside the load and subgraphs). */
  pin?: false;
  /** Loads packages of bench/peers/package.json (installed on first use, see bench/peers.ts). */
  peers?: true;
}

export const GATEWAYS: readonly GatewayDefinition[] = [
  // Same process, config and supergraph for both Portico rows, but for the routing URLs: the miss row's
  // subgraphs send no cache hints (nothing is cacheable, every request goes to the subgraphs), the
  // hit row's send `Cache-Control: max-age=60, public` (after the first request, answers come from the cache).
  { id: 'portico', label: 'Portico (features on, cache miss)', script: 'gateways/portico.ts', supergraph: { secured: true }, expectCache: 'MISS' },
  { id: 'portico-hit', label: 'Portico (features on, cache hit)', script: 'gateways/portico.ts', supergraph: { secured: true, cacheHints: true }, expectCache: 'HIT' },
  // Throughput with cores: two workers, on both cores of a 2-core machine (shared with the load and
  // the subgraphs, so this says how much a second core adds here, not what two free cores would).
  { id: 'portico-2w', label: 'Portico, 2 workers on 2 shared cores (features on, cache miss)', script: 'gateways/portico.ts', supergraph: { secured: true }, expectCache: 'MISS', env: { BENCH_WORKERS: '2' }, pin: false },
  // The miss row without in-flight subgraph query deduplication: every bench connection is one caller
  // sending one query, deduplication's best case, so this row says what the gateway does without it.
  { id: 'portico-nodedupe', label: 'Portico (features on, cache miss, no deduplication)', script: 'gateways/portico.ts', supergraph: { secured: true }, expectCache: 'MISS', env: { BENCH_DEDUPE: 'false' } },
  // The two miss rows with the other executor of query plans (gateway.executor: apollo or portico),
  // for a before/after of the executor in one run.
  { id: 'portico-exec-apollo', label: 'Portico with @apollo/gateway’s executor (features on, cache miss)', script: 'gateways/portico.ts', supergraph: { secured: true }, expectCache: 'MISS', env: { BENCH_EXECUTOR: 'apollo' }, optIn: true },
  { id: 'portico-nodedupe-exec-apollo', label: 'Portico with @apollo/gateway’s executor (features on, cache miss, no deduplication)', script: 'gateways/portico.ts', supergraph: { secured: true }, expectCache: 'MISS', env: { BENCH_DEDUPE: 'false', BENCH_EXECUTOR: 'apollo' }, optIn: true },
  { id: 'apollo', label: '@apollo/gateway + @apollo/server (baseline)', script: 'gateways/apollo.ts', baseline: true },
  { id: 'hive', label: 'Hive Gateway', script: 'peers/hive.ts', optional: true, peers: true },
  // Hive Gateway with The Guild's Rust query planner (a native addon in @graphql-hive/router-query-planner).
  { id: 'hive-router', label: 'Hive Gateway + @graphql-hive/router-runtime', script: 'peers/hive.ts', env: { BENCH_HIVE_ROUTER: 'true' }, optional: true, peers: true },
];
