import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';

/**
 * A GraphQL error that refuses the whole request with an HTTP status (and headers such as
 * Retry-After), as Apollo Server reads them from `extensions.http`.
 */
export function refusal(
  message: string,
  code: string,
  status: number,
  extensions: Record<string, unknown> = {},
  headers?: Record<string, string>,
): GraphQLError {
  const http = headers ? { status, headers: new HeaderMap(Object.entries(headers)) } : { status };
  return new GraphQLError(message, { extensions: { code, ...extensions, http } as Record<string, unknown> });
}
