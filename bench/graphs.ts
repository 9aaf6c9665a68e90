// The graphs the bench serves: each is a set of subgraphs (started in one process of their own) and
// the supergraphs composed from them. A workload names its graph; the runner measures graph by graph.
import type { GraphQLSchema } from 'graphql';
import { DEEP_SUBGRAPH_NAMES, deepSdl, type DeepSubgraphName } from './deep/schema.js';
import { buildDeepSchema } from './deep/subgraphs.js';
import { SDL, SECURED_SDL, SUBGRAPH_NAMES, type SubgraphName } from './schema.js';
import { buildBenchSchema } from './subgraph-schemas.js';

export interface BenchGraph {
  id: 'todos' | 'deep' | 'live';
  subgraphs: readonly string[];
  /** Each subgraph's SDL; `secured` adds the authorization and cost directives of Portico's rows. */
  sdl(secured: boolean): Record<string, string>;
  /** A fresh schema over fresh data. */
  schema(name: string): GraphQLSchema;
}

export const GRAPHS: readonly BenchGraph[] = [
  { id: 'todos', subgraphs: SUBGRAPH_NAMES, sdl: (secured) => (secured ? SECURED_SDL : SDL), schema: (name) => buildBenchSchema(name as SubgraphName) },
  { id: 'deep', subgraphs: DEEP_SUBGRAPH_NAMES, sdl: deepSdl, schema: (name) => buildDeepSchema(name as DeepSubgraphName) },
];

export function graphById(id: string): BenchGraph {
  const graph = GRAPHS.find((g) => g.id === id);
  if (!graph) throw new Error(`unknown bench graph ${id}; known: ${GRAPHS.map((g) => g.id).join(', ')}`);
  return graph;
}
