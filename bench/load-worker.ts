// Process entry: the load generator (autocannon), apart from the runner and the gateways. It takes
// one LoadCommand at a time over IPC and answers with a LoadResult.
import autocannon from 'autocannon';
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

main(async () => {
  if (!process.send) throw new Error('load-worker must be started with an IPC channel');
  process.on('message', (command: LoadCommand) => {
    run(command).then(
      (result) => process.send!({ id: command.id, result } satisfies LoadReply),
      (error: Error) => process.send!({ id: command.id, error: error.message } satisfies LoadReply),
    );
  });
  process.on('disconnect', () => process.exit(0));
  announceReady(true);
});
