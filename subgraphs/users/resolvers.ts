import DataLoader from 'dataloader';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { parsePageArgs, toConnection, type Db, type PageArgs, type SubgraphContext } from '../runtime/index.js';
import { EMAIL_SCOPES, hasScopes, unauthorizedField, USERS_LIST_SCOPES } from './policy.js';
import { findUsers, listUsers, type UserRow } from './store.js';

export interface User {
  id: string;
  name: string;
  email: string;
}

export interface UsersContext {
  /** Batches lookups by id into one query per tick; null for an unknown id. */
  users: DataLoader<string, User | null>;
}

const toUser = (row: UserRow): User => ({ id: row.id, name: row.name, email: row.email });

export function createUserLoader(db: Db): DataLoader<string, User | null> {
  return new DataLoader(async (ids: readonly string[]) => {
    const byId = new Map((await findUsers(db, ids)).map((row) => [row.id, toUser(row)]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

type Context = SubgraphContext & UsersContext;

export const usersResolvers: GraphQLResolverMap<Context> = {
  Query: {
    me: (_: unknown, __: unknown, { identity, users }: Context) =>
      identity.sub ? users.load(identity.sub) : null,
    user: (_: unknown, { id }: { id: string }, { users }: Context) => users.load(id),
    users: async (_: unknown, args: PageArgs, { db, identity }: Context) => {
      if (!hasScopes(identity, USERS_LIST_SCOPES)) throw unauthorizedField('Query.users');
      const page = parsePageArgs(args);
      return toConnection(await listUsers(db, page), page, toUser);
    },
  },
  User: {
    email: ({ email }: User, _: unknown, { identity }: Context) => {
      if (!hasScopes(identity, EMAIL_SCOPES)) throw unauthorizedField('User.email');
      return email;
    },
    // A user the service has never seen still resolves, so a to-do's non-null owner never breaks a list.
    __resolveReference: async ({ id }: { id: string }, { users }: Context) =>
      (await users.load(id)) ?? { id, name: id, email: '' },
  },
};
