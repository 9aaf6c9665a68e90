// Process entry: the subgraphs of one bench graph (BENCH_GRAPH, default todos), each on its own port.
// Prints {"ready":{"<subgraph>":url,…}}.
import { announceReady, main, stopOnSignal } from './child.js';
import { graphById } from './graphs.js';
import { startSubgraphServer } from './subgraph-server.js';

main(async () => {
  const graph = graphById(process.env.BENCH_GRAPH ?? 'todos');
  const servers = await Promise.all(graph.subgraphs.map((name) => startSubgraphServer(graph.schema(name))));
  stopOnSignal(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });
  announceReady(Object.fromEntries(graph.subgraphs.map((name, i) => [name, servers[i].url])));
});
