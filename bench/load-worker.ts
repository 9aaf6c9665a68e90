// Process entry: the load generator (autocannon), apart from the runner and the gateways. It takes
// one LoadCommand at a time over IPC and answers with a LoadResult.
import autocannon from 'autocannon';
import { Client } from 'undici';
import { announceReady, main } from './child.js';
import type { LoadCommand, LoadReply, LoadResult } from './load-types.js';
import { workloadById } from './workloads.js';

async function run(command: LoadCommand): Promise<LoadResult> {
  const { pathname } = new URL(command.url);
  let bodyErrors = 0;
  const countBodyErrors = (status: number, body: string) => {
    // The bench data never contains the word, so its presence means a GraphQL error in the body.
    if (status >= 200 && status < 300 && body.includes('"errors"')) bodyErrors++;
  };
  const result = await autocannon({
    url: command.url,
    connections: command.connections,
    duration: command.durationSeconds,
    headers: command.headers,
    requests: workloadById(command.workload).requests.map((request) => ({
      method: 'POST' as const,
      path: pathname,
      body: request.body,
      onResponse: countBodyErrors,
    })),
  });
  return {
    requestsPerSecond: result.requests.average,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    latencyMean: result.latency.average,
    requests: result.requests.total,
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
