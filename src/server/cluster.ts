import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import type { PorticoConfig } from '../config/index.js';
import { clusterMetrics } from '../observability/cluster-metrics.js';
import { createMetricsListener } from '../observability/metrics-listener.js';

export function workerCount(setting: number | 'auto'): number {
  return setting === 'auto' ? availableParallelism() : setting;
}

/**
 * The primary of a multi-worker gateway: serves the metrics listener (every worker's metrics, added
 * up), forks the workers (they share the listening port), forks a new one when one dies unexpectedly,
 * and on SIGTERM/SIGINT stops them all and exits 0 once they have finished their requests.
 */
export async function runPrimary(count: number, metrics: PorticoConfig['metrics'], logger: Logger): Promise<void> {
  if (!metrics.onMainPort) {
    const listener = createMetricsListener({ host: metrics.host, port: metrics.port, ...clusterMetrics() });
    try {
      const metricsUrl = await listener.start();
      logger.info({ metricsUrl, workers: count }, `metrics of all workers at ${metricsUrl}`);
    } catch (error) {
      process.stderr.write(`portico: ${(error as Error).message}\n`);
      logger.fatal({ err: error }, 'gateway failed to start');
      process.exit(1);
    }
  }
  let stopping = false;
  let failures = 0;
  const fork = () => cluster.fork();
  for (let i = 0; i < count; i++) fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    failures++;
    logger.error({ worker: worker.process.pid, code, signal }, 'worker died; starting another');
    // Back off when workers keep dying at start (a config or supergraph error), rather than spin.
    setTimeout(fork, Math.min(30_000, 250 * 2 ** Math.min(failures, 7)));
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal, workers: count }, 'stopping workers');
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    });
  }
}
