import { runSubgraphMain } from '../runtime/index.js';
import { startUsersSubgraph } from './index.js';

await runSubgraphMain({ name: 'users', defaultPort: 4002, env: process.env, start: startUsersSubgraph });
