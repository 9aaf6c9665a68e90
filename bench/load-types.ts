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
  /** The gateway's process, whose CPU time the load process reads over the measured window (Linux only). */
  gatewayPid?: number;
}

export interface LoadResult {
  /** Throughput: responses per second in the steady-state window (see load-worker.ts), else over the whole run. */
  requestsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
  latencyMean: number;
  /** Responses counted: in the steady-state window for throughput runs. */
  requests: number;
  /** Seconds of the steady-state window; absent when the run was too short to have one. */
  windowSeconds?: number;
  /** Responses with a status other than 2xx. */
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** 2xx responses whose body carried GraphQL errors. */
  bodyErrors: number;
  /** CPU ms the gateway's processes used during the window (Linux only). */
  gatewayCpuMs?: number;
  /** The gateway's resident memory (all its processes) at the end of the run, in MB (set by the runner, Linux only). */
  gatewayRssMb?: number;
}

export type LoadReply = { id: number; result: LoadResult } | { id: number; error: string };
