// Process entry: Hive Gateway's runtime on its defaults, served by node:http.
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { main } from '../child.js';
import { readGatewayEnv } from './env.js';
import { serveAndAnnounce } from './serve.js';

main(async () => {
  const { supergraph } = readGatewayEnv();
  const gateway = createGatewayRuntime({ supergraph, logging: false });
  await serveAndAnnounce(gateway, async () => {
    await gateway.dispose();
  });
});
