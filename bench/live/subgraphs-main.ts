// Process entry: the demo's users and todos subgraphs (in-memory PGlite, in-memory pub/sub), trusting
// the bench gateway's signing key. Prints {"ready":{"users":url,"todos":url}}.
import { pino } from 'pino';
import { gatewayPublicKey } from '../../src/identity/signed-identity.js';
import { startTodosSubgraph } from '../../subgraphs/todos/index.js';
import { startUsersSubgraph } from '../../subgraphs/users/index.js';
import { announceReady, main, stopOnSignal } from '../child.js';

main(async () => {
  const secret = process.env.BENCH_SUBGRAPH_SECRET;
  if (!secret) throw new Error('BENCH_SUBGRAPH_SECRET is not set (the bench runner sets it)');
  const common = { port: 0, gatewayKeys: [gatewayPublicKey(secret)], logger: pino({ level: 'silent' }), storage: { kind: 'embedded' as const } };
  const users = await startUsersSubgraph(common);
  const todos = await startTodosSubgraph(common);
  stopOnSignal(async () => {
    await Promise.all([users.stop(), todos.stop()]);
  });
  announceReady({ users: users.url, todos: todos.url });
});
