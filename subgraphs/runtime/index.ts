export { startSubgraph, type RunningSubgraph, type StartSubgraphOptions, type SubgraphContext } from './server.js';
export { openDb, dropStorage, dropPostgresSchema, type Db, type StorageOptions } from './storage/index.js';
export { migrate, readMigrations, type Migration } from './migrations.js';
export { badUserInput, codedError, forbidden, notFound, unauthenticated, type ErrorCode } from './errors.js';
export {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  decodeCursor,
  encodeCursor,
  parsePageArgs,
  toConnection,
  type Connection,
  type Page,
  type PageArgs,
} from './pagination.js';
export { ConfigError, DEV_GATEWAY_PUBLIC_KEY, DEV_SUBGRAPH_SECRET, loadSubgraphConfig, type SubgraphConfig } from './config.js';
export { runSubgraphMain, type SubgraphStartOptions } from './main.js';
export { loadTypeDefs } from './schema.js';
