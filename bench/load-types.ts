// Messages between the runner and the load process.

export interface LoadCommand {
  id: number;
  url: string;
  workload: string;
  durationSeconds: number;
  connections: number;
  headers: Record<string, string>;
  /** `throughput`: autocannon with `connections`; `latency`: one request at a time, timed to the microsecond. */
  mode?: 'throughput' | 'latency';
}

export interface LoadResult {
  requestsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
  latencyMean: number;
  requests: number;
  /** Responses with a status other than 2xx. */
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** 2xx responses whose body carried GraphQL errors. */
  bodyErrors: number;
  /** CPU ms the gateway's processes used during the run (set by the runner, Linux only). */
  gatewayCpuMs?: number;
}

export type LoadReply = { id: number; result: LoadResult } | { id: number; error: string };
