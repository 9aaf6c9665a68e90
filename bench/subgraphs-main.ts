// Process entry: both benchmark subgraphs, each on its own port. Prints {"ready":{"users":url,"todos":url}}.
import { announceReady, main, stopOnSignal } from './child.js';
import { SUBGRAPH_NAMES } from './schema.js';
import { buildBenchSchema } from './subgraph-schemas.js';
import { startSubgraphServer } from './subgraph-server.js';

main(async () => {
  const servers = await Promise.all(SUBGRAPH_NAMES.map((name) => startSubgraphServer(buildBenchSchema(name))));
  stopOnSignal(async () => {
    await Promise.all(servers.map((server) => server.stop()));
  });
  announceReady(Object.fromEntries(SUBGRAPH_NAMES.map((name, i) => [name, servers[i].url])));
});
