// Process entry: the load generator (autocannon), apart from the runner and the gateways. It takes
// one LoadCommand at a time over IPC and answers with a LoadResult.
import autocannon from 'autocannon';
import { Client } from 'undici';
import { announceReady, main } from './child.js';
import { processTreeCpuMs } from './cpu-time.js';
import type { LoadCommand, LoadReply, LoadResult } from './load-types.js';
import { workloadById } from './workloads.js';

interface Mark {
  at: number;
  responses: number;
  cpuMs: number | undefined;
}

/**
 * Throughput and CPU per request are counted over a steady-state window, not the whole run: it opens
 * once every connection has had an answer (and at least a quarter of the run, at most 1 s, has
 * passed) and closes 0.25 s before the end. Over the whole run, a slow query at many connections
 * (the deep workload: 50 at once, each taking seconds) would count the ramp-up's empty first seconds
 * and the CPU spent on the requests still in flight when the run stops, which no response repays.
 */
function steadyWindow(command: LoadCommand, responses: () => number) {
  const started = performance.now();
  const mark = (): Mark => ({ at: performance.now(), responses: responses(), cpuMs: processTreeCpuMs(command.gatewayPid) });
  const begin = mark();
  let first: Mark | undefined;
  let last: Mark | undefined;
  const closeAt = command.durationSeconds * 1000 - 250;
  const openAfter = Math.min(1000, command.durationSeconds * 250);
  const timer = setInterval(() => {
    const elapsed = performance.now() - started;
    if (!first && elapsed >= openAfter && responses() >= command.connections) first = mark();
    if (first && !last && elapsed >= closeAt) last = mark();
  }, 20);
  return {
    /** The window's figures; when it never opened (the run was too short), only the whole run's CPU. */
    close(): Partial<Pick<LoadResult, 'requestsPerSecond' | 'requests' | 'windowSeconds' | 'gatewayCpuMs'>> {
      clearInterval(timer);
      if (!first || !last || last.responses <= first.responses) {
        const end = mark();
        return begin.cpuMs !== undefined && end.cpuMs !== undefined ? { gatewayCpuMs: end.cpuMs - begin.cpuMs } : {};
      }
      const seconds = (last.at - first.at) / 1000;
      const requests = last.responses - first.responses;
      return {
        requestsPerSecond: requests / seconds,
        requests,
        windowSeconds: seconds,
        ...(first.cpuMs !== undefined && last.cpuMs !== undefined ? { gatewayCpuMs: last.cpuMs - first.cpuMs } : {}),
      };
    },
  };
}

async function run(command: LoadCommand): Promise<LoadResult> {
  const { pathname } = new URL(command.url);
  let bodyErrors = 0;
  let responses = 0;
  const countResponse = (status: number, body: string) => {
    responses++;
    // The bench data never contains the word, so its presence means a GraphQL error in the body.
    if (status >= 200 && status < 300 && body.includes('"errors"')) bodyErrors++;
  };
  const window = steadyWindow(command, () => responses);
  const result = await autocannon({
    url: command.url,
    connections: command.connections,
    duration: command.durationSeconds,
    // autocannon's default is 10 s: the baseline on the deep workload, 50 connections deep on a slow
    // machine, can take that long, which is slowness to report, not a failed request.
    timeout: 60,
    headers: command.headers,
    requests: workloadById(command.workload).requests.map((request) => ({
      method: 'POST' as const,
      path: pathname,
      body: request.body,
      onResponse: countResponse,
    })),
  });
  const steady = window.close();
  return {
    requestsPerSecond: result.requests.average,
    requests: result.requests.total,
    ...steady,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    latencyMean: result.latency.average,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    bodyErrors,
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

/**
 * One connection, one request at a time: what a single client waits for. autocannon's histogram
 * keeps whole milliseconds, too coarse for what a gateway adds here, so this times each request itself.
 */
async function probeLatency(command: LoadCommand): Promise<LoadResult> {
  const { origin, pathname } = new URL(command.url);
  const client = new Client(origin, { pipelining: 1 });
  const requests = workloadById(command.workload).requests;
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let bodyErrors = 0;
  const ends = performance.now() + command.durationSeconds * 1000;
  try {
    for (let i = 0; performance.now() < ends; i++) {
      const started = performance.now();
      try {
        const response = await client.request({ method: 'POST', path: pathname, headers: command.headers, body: requests[i % requests.length].body });
        const text = await response.body.text();
        latencies.push(performance.now() - started);
        if (response.statusCode < 200 || response.statusCode >= 300) non2xx++;
        else if (text.includes('"errors"')) bodyErrors++;
      } catch {
        errors++;
      }
    }
  } finally {
    await client.close();
  }
  const sorted = latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: latencies.length / command.durationSeconds,
    latencyP50: percentile(sorted, 50),
    latencyP99: percentile(sorted, 99),
    latencyMean: sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1),
    requests: latencies.length,
    non2xx,
    errors,
    bodyErrors,
  };
}

main(async () => {
  if (!process.send) throw new Error('load-worker must be started with an IPC channel');
  process.on('message', (command: LoadCommand) => {
    (command.mode === 'latency' ? probeLatency(command) : run(command)).then(
      (result) => process.send!({ id: command.id, result } satisfies LoadReply),
      (error: Error) => process.send!({ id: command.id, error: error.message } satisfies LoadReply),
    );
  });
  process.on('disconnect', () => process.exit(0));
  announceReady(true);
});
