export { loadConfig, loadConfigFile, ConfigError, type LoadConfigOptions } from './load.js';
export { DEV_JWT_SECRET, DEV_SUBGRAPH_SECRET, ENV_KEYS, type ConfigInput, type PorticoConfig } from './schema.js';

import type { ConfigInput } from './schema.js';
/** Typed helper for config objects written in TypeScript. */
export const defineConfig = (config: ConfigInput): ConfigInput => config;
