// The gateway process: `portico --help`, `npm run gateway`, or `tsx src/main.ts --supergraph path --port 4000 --config file`.
import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { parseCli, USAGE } from './cli.js';
import { ConfigError, loadConfigFile, type ConfigInput, type PorticoConfig } from './config/index.js';
import { gatewayPublicKey } from './identity/signed-identity.js';
import { createLogger } from './observability/logger.js';
import { runPrimary, workerCount } from './server/cluster.js';

async function loadOrExit(configFile: string | undefined, overrides: ConfigInput): Promise<PorticoConfig> {
  try {
    return await loadConfigFile({ file: configFile, overrides });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

/** One gateway: serve until SIGTERM/SIGINT, then finish the requests in flight and exit 0. */
async function serve(config: PorticoConfig, logger: Logger): Promise<void> {
  // Loaded here, not at the top, so that `portico keys …` starts without the gateway's modules.
  const [{ createPorticoServer }, { CompositionError }, { SubgraphListError }, { MetricsListenError }, { OperationsError }] = await Promise.all([
    import('./server/create-server.js'),
    import('./gateway/supergraph-compose.js'),
    import('./gateway/compose.js'),
    import('./observability/metrics-listener.js'),
    import('./rest/operations.js'),
  ]);
  let server: ReturnType<typeof createPorticoServer>;
  let started: Awaited<ReturnType<typeof server.start>>;
  try {
    // In a cluster worker the primary serves the metrics listener, with every worker's metrics.
    server = createPorticoServer(config, logger, { metricsListener: !cluster.isWorker });
    started = await server.start();
  } catch (error) {
    // A subgraph list that cannot be read or composed, a metrics port taken, operation files or a manifest
    // that cannot be read: the user's to fix; say what, plainly.
    const plain = error instanceof CompositionError || error instanceof SubgraphListError || error instanceof MetricsListenError || error instanceof OperationsError;
    if (plain) process.stderr.write(`portico: ${error.message}\n`);
    logger.fatal({ err: error }, 'gateway failed to start');
    process.exit(1);
  }
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping: finishing requests in flight');
      server.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'stop failed');
          process.exit(1);
        },
      );
    });
  }
  // Said once SIGTERM is handled: whoever stops the gateway on seeing this line gets a clean stop.
  const { url, metricsUrl } = started;
  logger.info({ url, metricsUrl, sandbox: config.sandbox, introspection: config.introspection }, `Portico gateway ready at ${url}`);
}

// `portico keys …` manages API keys and exits; it never starts a gateway.
if (process.argv[2] === 'keys') {
  const { runKeysCli } = await import('./keys/cli.js');
  process.exit(await runKeysCli(process.argv.slice(3)));
}

const action = parseCli(process.argv.slice(2));
if (action.kind === 'help') {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (action.kind === 'error') {
  process.stderr.write(`portico: ${action.message}\n\n${USAGE}`);
  process.exit(2);
}

const config = await loadOrExit(action.configFile, action.overrides);
const logger = createLogger(config.logging);
if (cluster.isPrimary) {
  if (config.usesDevSecrets.jwt) logger.warn('no auth.jwtSecret or auth.jwksUrl set: verifying tokens with the documented dev secret (npm run token signs with it)');
  if (config.usesDevSecrets.subgraph) logger.warn('no subgraphSecret set: signing subgraph requests with the documented dev key');
  let publicKey: string;
  try {
    publicKey = gatewayPublicKey(config.subgraphSecret);
  } catch (error) {
    process.stderr.write(`portico: invalid configuration: ${(error as Error).message}\n`);
    process.exit(1);
  }
  // Not a secret: what the subgraphs need (PORTICO_GATEWAY_PUBLIC_KEYS) to verify this gateway's signatures.
  logger.info({ publicKey }, 'signing subgraph requests; subgraphs verify with this public key');
}
const workers = workerCount(config.server.workers);
if (workers > 1 && cluster.isPrimary) await runPrimary(workers, config.metrics, logger);
else await serve(config, logger);
