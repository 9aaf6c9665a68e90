import { GraphQLError, type GraphQLFormattedError } from 'graphql';

export type ErrorFormatter = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

interface HttpPart {
  status?: number;
  headers?: Iterable<[string, string]>;
}

/**
 * Errors as Apollo Server formats them (its `normalizeAndFormatErrors`): a code on each
 * (`INTERNAL_SERVER_ERROR` when none), no stack trace, `extensions.http` taken out into the response's
 * status and headers, then Portico's formatter; a formatter that throws gives an internal error.
 */
export function formatErrors(errors: readonly unknown[], format: ErrorFormatter) {
  let status: number | undefined;
  const headers = new Map<string, string>();
  const formatted = errors.map((error): GraphQLFormattedError => {
    const graphqlError =
      error instanceof GraphQLError ? error : new GraphQLError(error instanceof Error ? error.message : `Unexpected error value: ${String(error)}`, { originalError: error instanceof Error ? error : undefined });
    const { http, ...extensions } = graphqlError.extensions as { http?: HttpPart } & Record<string, unknown>;
    if (http) {
      if (http.status !== undefined) status = http.status;
      for (const [key, value] of http.headers ?? []) headers.set(key, value);
    }
    try {
      return format({ ...graphqlError.toJSON(), extensions: { ...extensions, code: extensions.code ?? 'INTERNAL_SERVER_ERROR' } }, graphqlError);
    } catch {
      return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
  });
  return { errors: formatted, status, headers };
}
