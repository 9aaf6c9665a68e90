import type { GatewayDefinition } from './gateways/index.js';
import type { LoadResult } from './load-types.js';
import type { Workload } from './workloads.js';

/** What happened to one gateway on one workload over the whole run. */
export interface Cell {
  workload: Workload;
  gateway: GatewayDefinition;
  rounds: LoadResult[];
  /** One-connection latency probes, one per round. */
  latency: LoadResult[];
  /** Why the gateway could not be measured: did not start, answered wrongly, or has no such mode yet. */
  problems: string[];
}

export interface Row {
  workload: string;
  gateway: string;
  label: string;
  status: 'ok' | 'failed' | 'unavailable';
  note?: string;
  /** Medians over rounds. */
  requestsPerSecond?: number;
  latencyP50Ms?: number;
  latencyP99Ms?: number;
  ratioToBaseline?: number;
  /** Median over rounds of the gateway's CPU time per request, in µs (Linux only). */
  cpuMicrosPerRequest?: number;
  /** The baseline's CPU per request divided by this gateway's: requests per core-second, relative. */
  cpuRatioToBaseline?: number;
  /** Median over rounds of the gateway's resident memory at the end of each round, in MB (Linux only). */
  rssMb?: number;
  /** One connection, one request at a time: medians over rounds of each round's p50 and p99. */
  oneConnectionP50Ms?: number;
  oneConnectionP99Ms?: number;
  /** This gateway's one-connection p99 minus the baseline's. */
  addedP99Ms?: number;
  /** Totals over rounds. */
  requests?: number;
  non2xx?: number;
  errors?: number;
  bodyErrors?: number;
  rounds: LoadResult[];
  latency: LoadResult[];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const sum = (rounds: LoadResult[], key: 'requests' | 'non2xx' | 'errors' | 'bodyErrors') => rounds.reduce((total, r) => total + r[key], 0);

function toRow(cell: Cell): Row {
  const base = { workload: cell.workload.id, gateway: cell.gateway.id, label: cell.gateway.label, rounds: cell.rounds, latency: cell.latency };
  if (cell.gateway.unavailable) return { ...base, status: 'unavailable', note: cell.gateway.unavailable };
  if (cell.problems.length || !cell.rounds.length) {
    return { ...base, status: cell.gateway.optional && !cell.rounds.length ? 'unavailable' : 'failed', note: cell.problems.join('; ') || 'not measured' };
  }
  const all = [...cell.rounds, ...cell.latency];
  const non2xx = sum(all, 'non2xx');
  const errors = sum(all, 'errors');
  const bodyErrors = sum(all, 'bodyErrors');
  const failed = non2xx + errors + bodyErrors > 0;
  const cpuPerRequest = cell.rounds.flatMap((r) => (r.gatewayCpuMs === undefined || !r.requests ? [] : [(1000 * r.gatewayCpuMs) / r.requests]));
  const rss = cell.rounds.flatMap((r) => (r.gatewayRssMb === undefined ? [] : [r.gatewayRssMb]));
  return {
    ...base,
    status: failed ? 'failed' : 'ok',
    ...(failed ? { note: `${non2xx} non-2xx, ${errors} connection errors/timeouts, ${bodyErrors} GraphQL errors in bodies` } : {}),
    requestsPerSecond: median(cell.rounds.map((r) => r.requestsPerSecond)),
    latencyP50Ms: median(cell.rounds.map((r) => r.latencyP50)),
    latencyP99Ms: median(cell.rounds.map((r) => r.latencyP99)),
    ...(cell.latency.length
      ? { oneConnectionP50Ms: median(cell.latency.map((r) => r.latencyP50)), oneConnectionP99Ms: median(cell.latency.map((r) => r.latencyP99)) }
      : {}),
    ...(cpuPerRequest.length ? { cpuMicrosPerRequest: median(cpuPerRequest) } : {}),
    ...(rss.length ? { rssMb: median(rss) } : {}),
    requests: sum(cell.rounds, 'requests'),
    non2xx,
    errors,
    bodyErrors,
  };
}

/** One row per cell, with throughput relative to the baseline gateway on the same workload. */
export function summarize(cells: Cell[]): Row[] {
  const rows = cells.map(toRow);
  for (const row of rows) {
    const baseline = rows.find((r) => r.workload === row.workload && cells.find((c) => c.gateway.id === r.gateway)?.gateway.baseline);
    if (row.requestsPerSecond !== undefined && baseline?.requestsPerSecond) row.ratioToBaseline = row.requestsPerSecond / baseline.requestsPerSecond;
    if (row.cpuMicrosPerRequest && baseline?.cpuMicrosPerRequest) row.cpuRatioToBaseline = baseline.cpuMicrosPerRequest / row.cpuMicrosPerRequest;
    if (row.oneConnectionP99Ms !== undefined && baseline?.oneConnectionP99Ms !== undefined) row.addedP99Ms = row.oneConnectionP99Ms - baseline.oneConnectionP99Ms;
  }
  return rows;
}

const fixed = (value: number | undefined, digits: number) => (value === undefined ? '' : value.toFixed(digits));

/** A Markdown table: paste-able into the README as it is. */
export function formatTable(rows: Row[], workloads: readonly Workload[]): string {
  const lines = [
    '| workload | gateway | req/s | p50 ms | p99 ms | × baseline | CPU µs/req (× baseline) | RSS MB | 1 conn: p50 / p99 ms | p99 added ms |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const workload = workloads.find((w) => w.id === row.workload)?.label ?? row.workload;
    const figures =
      row.status === 'ok'
        ? [
            fixed(row.requestsPerSecond, 0),
            fixed(row.latencyP50Ms, 1),
            fixed(row.latencyP99Ms, 1),
            row.ratioToBaseline === undefined ? '' : `${row.ratioToBaseline.toFixed(2)}×`,
            row.cpuMicrosPerRequest === undefined ? '' : `${row.cpuMicrosPerRequest.toFixed(0)}${row.cpuRatioToBaseline === undefined ? '' : ` (${row.cpuRatioToBaseline.toFixed(2)}×)`}`,
            fixed(row.rssMb, 0),
            row.oneConnectionP99Ms === undefined ? '' : `${fixed(row.oneConnectionP50Ms, 2)} / ${fixed(row.oneConnectionP99Ms, 2)}`,
            row.addedP99Ms === undefined ? '' : `${row.addedP99Ms >= 0 ? '+' : ''}${row.addedP99Ms.toFixed(2)}`,
          ]
        : [`${row.status === 'failed' ? 'FAILED' : ''} ${row.note ?? ''}`.trim().slice(0, 160), '', '', '', '', '', '', ''];
    lines.push(`| ${workload} | ${row.label} | ${figures.join(' | ')} |`);
  }
  return lines.join('\n');
}
