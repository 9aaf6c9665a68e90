import { GraphQLError } from 'graphql';
import type { Identity } from '../../src/identity/signed-identity.js';

// The subgraph's own copy of the gateway's rules on the demo schema (defence in depth): it answers
// the same whatever reached it, so a caller who gets around the gateway gets no more than through it.
// Keep these in step with the @requiresScopes in schema/users.graphql.

/** `Query.users`: @requiresScopes([["admin"]]). */
export const USERS_LIST_SCOPES = [['admin']];
/** `User.email`: @requiresScopes([["users:read:email"], ["admin"]]), the caller's own email included. */
export const EMAIL_SCOPES = [['users:read:email'], ['admin']];

/** The @requiresScopes rule: every scope of at least one of the sets. */
export const hasScopes = (identity: Identity, sets: string[][]) =>
  sets.some((set) => set.every((scope) => identity.scopes.includes(scope)));

/** The gateway's code for a selection the caller may not see; the field answers null. */
export function unauthorizedField(field: string): GraphQLError {
  return new GraphQLError(`Unauthorized field or type: ${field} needs a scope the caller lacks`, {
    extensions: { code: 'UNAUTHORIZED_FIELD_OR_TYPE' },
  });
}
