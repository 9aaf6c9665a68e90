import type { Identity } from '../../src/identity/signed-identity.js';
import { badUserInput, unauthenticated } from '../runtime/index.js';
import type { Actor } from './store.js';

export const ADMIN_SCOPE = 'admin';
export const MAX_TITLE_LENGTH = 200;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (id: string) => UUID.test(id);
export const isAdmin = (identity: Identity) => identity.scopes.includes(ADMIN_SCOPE);

/** The caller as an actor who may change to-dos; UNAUTHENTICATED without a subject. */
export function actorOf(identity: Identity): Actor {
  if (!identity.sub) throw unauthenticated('changing to-dos needs a signed-in caller');
  return { sub: identity.sub, admin: isAdmin(identity) };
}

/** The trimmed title, or BAD_USER_INPUT when it is empty or longer than 200 characters. */
export function validTitle(title: string): string {
  const trimmed = title.trim();
  const length = [...trimmed].length; // characters, as Postgres counts them
  if (length < 1 || length > MAX_TITLE_LENGTH) {
    throw badUserInput(`title must be 1 to ${MAX_TITLE_LENGTH} characters`, 'title');
  }
  return trimmed;
}
