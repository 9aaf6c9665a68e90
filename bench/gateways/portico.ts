// Process entry: Portico with its features on (bench/gateways/portico.config.yaml), started the way
// src/main.ts starts it.
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/index.js';
import { createPorticoServer } from '../../src/server/create-server.js';
import { announceReady, main, stopOnSignal } from '../child.js';
import { readGatewayEnv } from './env.js';

const CONFIG_FILE = fileURLToPath(new URL('./portico.config.yaml', import.meta.url));

main(async () => {
  const env = readGatewayEnv();
  const config = loadConfig({
    env: {},
    file: CONFIG_FILE,
    overrides: {
      server: { host: '127.0.0.1', port: 0 },
      supergraph: { path: env.supergraph, watch: false },
      auth: { jwtSecret: env.jwtSecret },
      subgraphSecret: env.subgraphSecret,
      logging: { level: 'silent' },
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
  announceReady({ url });
});
