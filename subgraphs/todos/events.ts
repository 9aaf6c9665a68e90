import type { Identity } from '../../src/identity/signed-identity.js';
import { unauthenticated, type SubgraphContext } from '../runtime/index.js';
import type { Todo } from './model.js';
import { isAdmin } from './policy.js';

/** The pub/sub channel of to-do changes. */
export const TODO_CHANGED = 'todos:changed';

export type TodoEventKind = 'ADDED' | 'UPDATED' | 'DELETED';

/** What is published for each change: the event of the schema, with the owner to filter on. */
export interface TodoChange {
  kind: TodoEventKind;
  id: string;
  ownerId: string;
  /** Null for DELETED. */
  todo: Todo | null;
}

/** Publishes a change; a subscriber that misses it (Redis away) misses only this one. */
export function publishChange({ pubsub }: SubgraphContext, change: TodoChange): Promise<void> {
  return pubsub.publish(TODO_CHANGED, change);
}

/** Whether `identity` may receive `change`: the owner's own to-dos, everyone's for an admin. */
export const mayReceive = (identity: Identity, change: TodoChange): boolean => change.ownerId === identity.sub || isAdmin(identity);

export const todoChanged = {
  subscribe: (_: unknown, __: unknown, { identity, pubsub }: SubgraphContext) => {
    if (!identity.sub && !isAdmin(identity)) throw unauthenticated('subscribing to to-do changes needs a signed-in caller');
    return pubsub.iterate<TodoChange>(TODO_CHANGED, (change) => mayReceive(identity, change));
  },
  resolve: ({ kind, id, todo }: TodoChange) => ({ kind, id, todo }),
};
