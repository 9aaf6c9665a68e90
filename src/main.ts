// The gateway process: `npm run gateway`, or `tsx src/main.ts --supergraph path --port 4000 --config file`.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfigFile, type ConfigInput } from './config/index.js';
import { createLogger } from './observability/logger.js';
import { createPorticoServer } from './server/create-server.js';

const { values } = parseArgs({
  options: {
    supergraph: { type: 'string' },
    port: { type: 'string' },
    config: { type: 'string' },
  },
});

let config;
try {
  const overrides: ConfigInput = {};
  if (values.supergraph) overrides.supergraph = { path: values.supergraph };
  if (values.port) overrides.server = { port: values.port as unknown as number };
  config = await loadConfigFile({ file: values.config, overrides });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

const logger = createLogger(config.logging);
if (config.usesDevSecrets.jwt) logger.warn('no auth.jwtSecret or auth.jwksUrl set: verifying tokens with the documented dev secret (npm run token signs with it)');
if (config.usesDevSecrets.subgraph) logger.warn('no subgraphSecret set: signing subgraph requests with the documented dev secret');

const server = createPorticoServer(config, logger);
try {
  const { url } = await server.start();
  logger.info({ url, sandbox: config.sandbox, introspection: config.introspection }, `Portico gateway ready at ${url}`);
} catch (error) {
  logger.fatal({ err: error }, 'gateway failed to start');
  process.exit(1);
}

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await server.stop();
    process.exit(0);
  });
}
