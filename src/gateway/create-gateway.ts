import { ApolloGateway } from './apollo-gateway.js';
import type { Fetcher } from '@apollo/utils.fetcher';
import type { Logger } from 'pino';
import type { PorticoConfig } from '../config/index.js';
import { PROBE_TIMEOUT_MS, subgraphNames, type SubgraphHealth } from '../observability/subgraph-health.js';
import { createRequestSigner } from '../identity/signed-identity.js';
import { createDeduplication } from './dedupe.js';
import { createSubgraphHttp } from './fetcher.js';
import { withResilience } from './resilience.js';
import { signedFetcher } from './sign-requests.js';
import { SignedSubgraphDataSource } from './subgraph-data-source.js';
import { supergraphFromSubgraphs } from './supergraph-compose.js';
import { supergraphFromFile, type SupergraphFileOptions } from './supergraph-file.js';

export interface CreateGatewayOptions {
  config: PorticoConfig;
  logger: Logger;
  onReload?: SupergraphFileOptions['onReload'];
  /** Throws to refuse a supergraph before it goes live. */
  validateSupergraph?: SupergraphFileOptions['validate'];
  /** The Cache-Control to assume for a subgraph answer without one (configured default hints). */
  defaultCacheControl?: (query: string) => string | null;
  /** Told of every subgraph fetch: which subgraph, how long, and whether it answered (HTTP status below 400). */
  onFetch?: (subgraph: string, seconds: number, ok: boolean) => void;
  /** Told of each subgraph, its URL and its breaker, for `GET /health/subgraphs`. */
  subgraphHealth?: SubgraphHealth;
}

/** The fetcher, timed and reported. */
function observed(fetcher: Fetcher, subgraph: string, onFetch: CreateGatewayOptions['onFetch']): Fetcher {
  if (!onFetch) return fetcher;
  return async (url, init) => {
    const started = performance.now();
    try {
      const response = await fetcher(url, init);
      onFetch(subgraph, (performance.now() - started) / 1000, response.status < 400);
      return response;
    } catch (error) {
      onFetch(subgraph, (performance.now() - started) / 1000, false);
      throw error;
    }
  };
}

/**
 * Read by @apollo/gateway's constructor: unless this is 'true' it reports usage to Apollo and probes
 * cloud metadata addresses. Portico never phones home unless the user opts in (`apolloTelemetry`).
 * The one place Portico writes the process environment, just before a gateway is built.
 */
function applyTelemetryChoice(optedIn: boolean): void {
  process.env.APOLLO_TELEMETRY_DISABLED = optedIn ? 'false' : 'true';
}

export function createGateway({ config, logger, onReload, validateSupergraph, onFetch, defaultCacheControl, subgraphHealth }: CreateGatewayOptions): ApolloGateway {
  applyTelemetryChoice(config.apolloTelemetry);
  const source = { watch: config.supergraph.watch, logger, onReload, validate: validateSupergraph };
  // Keep-alive connections to the subgraphs, shared by every data source, closed with the gateway.
  const http = createSubgraphHttp();
  const deduplication = config.deduplicateSubgraphQueries ? createDeduplication() : undefined;
  // One key for every subgraph; each signature names its subgraph (audience), so none is valid at another.
  const signer = createRequestSigner(config.subgraphSecret);
  const gateway = new ApolloGateway({
    logger: logger.child({ module: 'gateway' }),
    supergraphSdl: config.supergraph.subgraphs
      ? supergraphFromSubgraphs({ listPath: config.supergraph.subgraphs, ...source })
      : supergraphFromFile({ path: config.supergraph.path, ...source }),
    buildService: ({ name, url }) => {
      const target = config.subgraphs[name]?.url ?? url;
      if (!target) throw new Error(`subgraph ${name} has no routing URL; set subgraphs.${name}.url`);
      const timeoutMs = config.subgraphs[name]?.timeoutMs ?? config.subgraphTimeoutMs;
      const { retries, retryBaseDelayMs, retryMaxDelayMs, circuitBreaker } = config.resilience;
      // Signed per attempt, below retries: a retry after a long timeout still carries a fresh signature.
      const resilient = withResilience(signedFetcher(http.fetcher(timeoutMs), signer, name), {
        name,
        retry: retries === 0 ? false : { retries, baseDelayMs: retryBaseDelayMs, maxDelayMs: retryMaxDelayMs },
        circuitBreaker: circuitBreaker.enabled
          ? { failureThreshold: circuitBreaker.failureThreshold, coolDownMs: circuitBreaker.coolDownMs, startupGraceMs: circuitBreaker.startupGraceMs }
          : false,
        onStateChange: (state, subgraph) => logger.warn({ subgraph, state }, `subgraph circuit ${state}`),
      });
      subgraphHealth?.track(name, target, resilient.circuitState, http.fetcher(PROBE_TIMEOUT_MS));
      const observedFetcher = observed(resilient, name, onFetch);
      const fetcher = deduplication ? deduplication.fetcher(observedFetcher) : observedFetcher;
      return new SignedSubgraphDataSource({ name, url: target, fetcher, defaultCacheControl });
    },
  });
  if (subgraphHealth) gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => subgraphHealth.keep(subgraphNames(coreSupergraphSdl)));
  const stop = gateway.stop.bind(gateway);
  gateway.stop = async () => {
    await stop();
    await http.close();
  };
  return gateway;
}
