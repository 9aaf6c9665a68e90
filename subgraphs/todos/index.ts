import type { Logger } from 'pino';
import { loadTypeDefs, startSubgraph, type RunningSubgraph, type StorageOptions } from '../runtime/index.js';
import { createTodosLoaders, type TodosLoaders } from './loaders.js';
import { todosResolvers } from './resolvers.js';

export interface TodosSubgraphOptions {
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
  /** Redis for the pub/sub of `todoChanged`, so every replica's subscribers see every change. Default: in memory. */
  redisUrl?: string;
}

export const TODOS_SCHEMA_FILE = new URL('../../schema/todos.graphql', import.meta.url);

/** Starts the to-dos subgraph: each user's to-dos, readable by their owner and admins, and their changes live. */
export async function startTodosSubgraph(options: TodosSubgraphOptions): Promise<RunningSubgraph> {
  return startSubgraph<TodosLoaders>({
    ...options,
    name: 'todos',
    typeDefs: await loadTypeDefs(TODOS_SCHEMA_FILE),
    resolvers: todosResolvers,
    migrations: new URL('./migrations/', import.meta.url),
    createContext: (db) => () => createTodosLoaders(db),
  });
}
