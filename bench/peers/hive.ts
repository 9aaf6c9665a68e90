// Process entry: Hive Gateway's runtime on its defaults, served by node:http. BENCH_HIVE_ROUTER=true
// plans and executes with @graphql-hive/router-runtime (The Guild's Rust query planner) instead.
// It lives in bench/peers/ so that its packages resolve from bench/peers/node_modules (see ../peers.ts).
import type { RequestListener } from 'node:http';
import { main } from '../child.js';
import { readGatewayEnv } from '../gateways/env.js';
import { serveAndAnnounce } from '../gateways/serve.js';

interface HiveGateway {
  createGatewayRuntime(options: { supergraph: string; logging: false; unifiedGraphHandler?: unknown }): RequestListener & { dispose(): Promise<void> };
}
interface HiveRouterRuntime {
  unifiedGraphHandler: unknown;
}

/**
 * The packages are named by a plain string on purpose: the root type-check (`tsc -p .`) must pass
 * on the root install, where they are not installed; the interfaces above declare what is used.
 */
const importPeer = async <T>(name: string): Promise<T> => (await import(name)) as T;

main(async () => {
  const { supergraph } = readGatewayEnv();
  const { createGatewayRuntime } = await importPeer<HiveGateway>('@graphql-hive/gateway');
  const router = process.env.BENCH_HIVE_ROUTER === 'true' ? await importPeer<HiveRouterRuntime>('@graphql-hive/router-runtime') : undefined;
  const gateway = createGatewayRuntime({ supergraph, logging: false, ...(router ? { unifiedGraphHandler: router.unifiedGraphHandler } : {}) });
  await serveAndAnnounce(gateway, async () => {
    await gateway.dispose();
  });
});
