import { AggregatorRegistry, type Registry } from 'prom-client';

// prom-client's cluster support: the primary asks every worker for its metrics over IPC and adds them
// up (counters and histograms summed; its default process metrics each aggregated as prom-client says).

/** In a worker: answer the primary's requests for this worker's metrics. */
export function answerPrimaryForMetrics(registry: Registry): void {
  new AggregatorRegistry(); // adds the IPC listener, once per process
  AggregatorRegistry.setRegistries([registry]);
}

/** In the primary: every worker's metrics, aggregated. */
export function clusterMetrics(): { render(): Promise<string>; contentType: string } {
  const aggregator = new AggregatorRegistry();
  return { render: () => aggregator.clusterMetrics(), contentType: aggregator.contentType };
}
