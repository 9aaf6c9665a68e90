import type { Logger } from 'pino';
import { loadTypeDefs, startSubgraph, type RunningSubgraph, type StorageOptions } from '../runtime/index.js';
import { createProvisioner } from './provisioning.js';
import { createUserLoader, usersResolvers, type UsersContext } from './resolvers.js';

export interface UsersSubgraphOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The gateway's public keys (base64url) the signed identity is verified with. */
  gatewayKeys: readonly string[];
  /** How old a signed identity may be, in seconds. Default 30. */
  identityMaxAgeSeconds?: number;
  storage: StorageOptions;
  logger?: Logger;
}

export const USERS_SCHEMA_FILE = new URL('../../schema/users.graphql', import.meta.url);

/** Starts the users subgraph: who the callers are, provisioned on first use. */
export async function startUsersSubgraph(options: UsersSubgraphOptions): Promise<RunningSubgraph> {
  return startSubgraph<UsersContext>({
    ...options,
    name: 'users',
    typeDefs: await loadTypeDefs(USERS_SCHEMA_FILE),
    resolvers: usersResolvers,
    migrations: new URL('./migrations/', import.meta.url),
    createContext: (db) => {
      const provision = createProvisioner(db);
      return async ({ identity }) => {
        await provision(identity);
        return { users: createUserLoader(db) };
      };
    },
  });
}
