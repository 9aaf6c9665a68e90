// Process entry: Portico with its features on (bench/gateways/portico.config.yaml), started the way
// src/main.ts starts it. BENCH_WORKERS=n runs n workers on one port with node:cluster, as
// PORTICO_WORKERS does.
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import demo from '../../portico.config.js';
import { loadConfig } from '../../src/config/index.js';
import { createPorticoServer } from '../../src/server/create-server.js';
import { announceReady, main, stopOnSignal } from '../child.js';
import { readGatewayEnv } from './env.js';

const CONFIG_FILE = fileURLToPath(new URL('./portico.config.yaml', import.meta.url));
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);

async function serve(): Promise<string> {
  const env = readGatewayEnv();
  const config = loadConfig({
    env: {},
    file: CONFIG_FILE,
    overrides: {
      server: { host: '127.0.0.1', port: 0 },
      // Not scraped by the bench: a free port, so gateways side by side do not take the same one.
      metrics: { port: 0 },
      supergraph: { path: env.supergraph, watch: false },
      auth: { jwtSecret: env.jwtSecret },
      subgraphSecret: env.subgraphSecret,
      logging: { level: 'silent' },
      // BENCH_DEDUPE=false: for a before/after of in-flight subgraph query deduplication.
      ...(process.env.BENCH_DEDUPE === 'false' ? { deduplicateSubgraphQueries: false } : {}),
      // BENCH_EXECUTOR=portico|apollo: for a before/after of the executor of query plans (gateway.executor).
      ...(process.env.BENCH_EXECUTOR ? { gateway: { executor: process.env.BENCH_EXECUTOR as 'portico' | 'apollo' } } : {}),
      // The subscriptions workload: one client (the to-do's owner) holds every subscription.
      ...(process.env.BENCH_MAX_SUBSCRIPTIONS_PER_CLIENT ? { subscriptions: { maxPerClient: Number(process.env.BENCH_MAX_SUBSCRIPTIONS_PER_CLIENT) } } : {}),
      // The live graph is the demo's: its supergraph names the demo's policies (deleteTodo's recent sign-in).
      ...(process.env.BENCH_DEMO_POLICIES === 'true' ? { authorization: { mode: 'filter' as const, policies: demo.authorization?.policies } } : {}),
    },
  });
  const server = createPorticoServer(config, pino({ level: 'silent' }));
  const { url } = await server.start();
  stopOnSignal(async () => {
    // The bench only needs the process gone (and its --cpu-prof written), not a graceful drain.
    const stopping = server.stop();
    server.httpServer.closeAllConnections();
    await Promise.race([stopping, new Promise((resolve) => setTimeout(resolve, 1000))]);
  });
  return url;
}

/** Forks the workers (port 0 in a worker is one port shared by all) and announces once all listen. */
async function primary(): Promise<void> {
  const urls = await Promise.all(
    Array.from({ length: WORKERS }, () => {
      const worker = cluster.fork();
      return new Promise<string>((resolve, reject) => {
        worker.once('message', (message: { url: string }) => resolve(message.url));
        worker.once('exit', (code) => reject(new Error(`worker exited before ready (${code})`)));
      });
    }),
  );
  stopOnSignal(async () => {
    const workers = Object.values(cluster.workers ?? {});
    await Promise.all(workers.map((worker) => new Promise((resolve) => (worker!.once('exit', resolve), worker!.kill('SIGTERM')))));
  });
  announceReady({ url: urls[0] });
}

main(async () => {
  if (WORKERS > 1 && cluster.isPrimary) return primary();
  const url = await serve();
  if (cluster.isWorker) process.send!({ url });
  else announceReady({ url });
});
