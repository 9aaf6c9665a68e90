import { GraphQLError } from 'graphql';

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
