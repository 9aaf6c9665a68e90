import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';

/** Stable `extensions.code` values a subgraph answers with (see DESIGN.md). */
export type ErrorCode = 'BAD_USER_INPUT' | 'NOT_FOUND' | 'FORBIDDEN' | 'UNAUTHENTICATED';

export function codedError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

export const badUserInput = (message: string, argument?: string) =>
  codedError('BAD_USER_INPUT', message, argument ? { argumentName: argument } : {});
export const notFound = (message: string) => codedError('NOT_FOUND', message);
export const forbidden = (message: string) => codedError('FORBIDDEN', message);
export const unauthenticated = (message = 'this operation needs a signed-in caller') =>
  codedError('UNAUTHENTICATED', message);

/**
 * Whether the database refused a value it was given (PostgreSQL and PGlite errors carry the SQLSTATE
 * in `code`): class 22, data exception (22P02 invalid text representation, 22021 invalid byte
 * sequence such as NUL, 22003 numeric value out of range, ...), and 54000 (a value too large for an
 * index). A value GraphQL let through that the resolvers did not check: the caller's input, not a failure.
 */
export function isInvalidInputError(error: unknown): boolean {
  if (error === null || typeof error !== 'object' || !('severity' in error)) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (/^22[0-9A-Z]{3}$/.test(code) || code === '54000');
}

/**
 * formatError for a subgraph: a value the database refused is BAD_USER_INPUT (the safety net behind
 * the checks in input.ts); other unexpected errors (a database failure, a bug) are logged and answered
 * without their details.
 */
export function maskUnexpected(logger: Logger) {
  return (formatted: { message: string; extensions?: Record<string, unknown> }, error: unknown) => {
    const original = unwrapResolverError(error);
    if (original instanceof GraphQLError || formatted.extensions?.code !== 'INTERNAL_SERVER_ERROR') return formatted;
    if (isInvalidInputError(original)) {
      logger.warn({ err: original }, 'value refused by the database');
      return { ...formatted, message: 'a value in this request is not valid for this field', extensions: { code: 'BAD_USER_INPUT' } };
    }
    logger.error({ err: original }, 'resolver failed');
    return { ...formatted, message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}
