// The subscriptions workload's graph: the demo's own users and todos subgraphs (schema/*.graphql,
// subgraphs/), not the bench's bare ones: only the demo's todos subgraph serves `todoChanged` over
// graphql-ws, and it verifies the gateway's signed identity, as in production.
import { readFileSync } from 'node:fs';
import type { BenchGraph } from '../graphs.js';

const sdl = (name: string) => readFileSync(new URL(`../../schema/${name}.graphql`, import.meta.url), 'utf8');

export const LIVE_GRAPH: BenchGraph = {
  id: 'live',
  subgraphs: ['users', 'todos'],
  // The demo's SDL carries its directives either way (only Portico serves this graph).
  sdl: () => ({ users: sdl('users'), todos: sdl('todos') }),
  schema: () => {
    throw new Error('the live graph runs the demo subgraphs (bench/live/subgraphs-main.ts), not bench schemas');
  },
};
