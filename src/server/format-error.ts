import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import type { PorticoConfig } from '../config/index.js';
import { validationCode } from '../cost/limits.js';
import { withoutSuggestions } from './schema-details.js';

/**
 * Errors as the client sees them: codes kept; in production an internal error's message is
 * replaced (it may name hosts or internals) and logged instead. With `hideSchemaDetails`, no message
 * suggests names from the schema, whichever path made it (validation, variables, a subgraph, either HTTP entry).
 */
export function formatError(config: PorticoConfig, logger: Logger) {
  const format = formatFor(config, logger);
  if (!config.hideSchemaDetails) return format;
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const result = format(formatted, error);
    const message = withoutSuggestions(result.message);
    return message === result.message ? result : { ...result, message };
  };
}

function formatFor(config: PorticoConfig, logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    // A shape limit is a validation rule with a code of its own (MAX_DEPTH_EXCEEDED, ...): keep it.
    const ruleCode = code === 'GRAPHQL_VALIDATION_FAILED' ? validationCode(error) : undefined;
    if (ruleCode) return { ...formatted, extensions: { ...formatted.extensions, code: ruleCode } };
    if (code === 'GRAPHQL_PARSE_FAILED' && formatted.message.includes('tokens. Parsing aborted')) {
      return { ...formatted, extensions: { ...formatted.extensions, code: 'MAX_TOKENS_EXCEEDED' } };
    }
    // A subgraph's error without a code of its own: its message is the subgraph's internals (a
    // database error, a host name); the client learns which subgraph failed, not how.
    if (code === 'DOWNSTREAM_SERVICE_ERROR' && config.env === 'production') {
      logger.error({ err: error }, 'subgraph error');
      const serviceName = formatted.extensions?.serviceName;
      const message = typeof serviceName === 'string' ? `Subgraph "${serviceName}" failed` : 'A subgraph failed';
      return { message, path: formatted.path, extensions: { code, ...(typeof serviceName === 'string' ? { serviceName } : {}) } };
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
