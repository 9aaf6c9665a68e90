import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import type { PorticoConfig } from '../config/index.js';

/**
 * Errors as the client sees them: codes kept; in production an internal error's message is
 * replaced (it may name hosts or internals) and logged instead.
 */
export function formatError(config: PorticoConfig, logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (code === 'GRAPHQL_PARSE_FAILED' && formatted.message.includes('tokens. Parsing aborted')) {
      return { ...formatted, extensions: { ...formatted.extensions, code: 'MAX_TOKENS_EXCEEDED' } };
    }
    if (code === 'INTERNAL_SERVER_ERROR' || code === undefined) {
      logger.error({ err: error }, 'internal error');
      if (config.env === 'production') {
        return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
      }
    }
    return formatted;
  };
}
