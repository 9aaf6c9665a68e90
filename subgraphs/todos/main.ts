import { runSubgraphMain } from '../runtime/index.js';
import { startTodosSubgraph } from './index.js';

await runSubgraphMain({ name: 'todos', defaultPort: 4001, env: process.env, start: startTodosSubgraph });
