import { pino, type Logger } from 'pino';
import { logDestination } from '../../src/observability/logger.js';
import { ConfigError, loadSubgraphConfig } from './config.js';
import type { StorageOptions } from './storage/index.js';

export interface SubgraphStartOptions {
  port?: number;
  host?: string;
  /** The gateway's public keys (base64url) the signed identity is verified with. */
  gatewayKeys: readonly string[];
  /** How old a signed identity may be, in seconds. Default 30. */
  identityMaxAgeSeconds?: number;
  storage: StorageOptions;
  logger?: Logger;
}

export interface SubgraphMainOptions {
  name: string;
  defaultPort: number;
  env: Record<string, string | undefined>;
  start: (options: SubgraphStartOptions) => Promise<{ url: string; stop(): Promise<void> }>;
}

/**
 * The body of a subgraph's `main.ts`: load config (one line and exit 1 when it is wrong),
 * start, and stop cleanly on SIGINT/SIGTERM.
 */
export async function runSubgraphMain({ name, defaultPort, env, start }: SubgraphMainOptions): Promise<void> {
  let config;
  try {
    config = loadSubgraphConfig(name, env, { defaultPort });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${name} subgraph: invalid configuration: ${error.message}\n`);
    process.exit(1);
  }
  const logger = pino({ level: config.logLevel, base: { service: name } }, logDestination(config.logFormat));
  if (config.usingDevKey) {
    logger.warn('PORTICO_GATEWAY_PUBLIC_KEYS is not set: trusting the documented dev key; set it outside development');
  }
  const { port, host, gatewayKeys, identityMaxAgeSeconds, storage } = config;
  const running = await start({ port, host, gatewayKeys, identityMaxAgeSeconds, storage, logger });
  logger.info({ url: running.url, storage: config.storage.kind }, `${name} subgraph ready`);
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'stopping');
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
