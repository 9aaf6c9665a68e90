import { resolve } from 'node:path';
import { z } from 'zod';
import type { StorageOptions } from './storage/index.js';
import { isPlainIdentifier } from './storage/types.js';

import { DEV_SUBGRAPH_SECRET } from '../../src/identity/signed-identity.js';

export { DEV_SUBGRAPH_SECRET };

export interface SubgraphConfig {
  port: number;
  host: string;
  storage: StorageOptions;
  secret: string;
  /** True when PORTICO_SUBGRAPH_SECRET was not set and the development secret is used. */
  usingDevSecret: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** A bad environment variable; the message is one line naming it. */
export class ConfigError extends Error {}

const PORT_RANGE = 'must be an integer between 0 and 65535';
const blankToUndefined = (value: unknown) => (value === '' ? undefined : value);

function envSchema(name: string, defaultPort: number) {
  return z.object({
    PORT: z.preprocess(
      blankToUndefined,
      z.coerce
        .number({ error: PORT_RANGE })
        .int(PORT_RANGE)
        .min(0, PORT_RANGE)
        .max(65535, PORT_RANGE)
        .default(defaultPort),
    ),
    HOST: z.preprocess(blankToUndefined, z.string().default('127.0.0.1')),
    DATABASE_URL: z.preprocess(
      blankToUndefined,
      z
        .string()
        .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL')
        .optional(),
    ),
    DATABASE_SCHEMA: z.preprocess(
      blankToUndefined,
      z
        .string()
        .refine(isPlainIdentifier, 'must be lower-case letters, digits and _ (at most 63), starting with a letter or _')
        .default(name),
    ),
    PORTICO_DATA_DIR: z.preprocess(blankToUndefined, z.string().default('./data')),
    PORTICO_SUBGRAPH_SECRET: z.preprocess(
      blankToUndefined,
      z.string().min(16, 'must be at least 16 characters').optional(),
    ),
    LOG_LEVEL: z.preprocess(
      blankToUndefined,
      z
        .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
          error: 'must be one of fatal, error, warn, info, debug, trace, silent',
        })
        .default('info'),
    ),
    NODE_ENV: z.string().optional(),
  });
}

/**
 * Reads a subgraph process's settings from `env`, validated once.
 * Throws ConfigError with one line naming the variable when a value is wrong.
 */
export function loadSubgraphConfig(
  name: string,
  env: Record<string, string | undefined>,
  { defaultPort }: { defaultPort: number },
): Readonly<SubgraphConfig> {
  const parsed = envSchema(name, defaultPort).safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue.path[0]);
    throw new ConfigError(`${variable}: ${issue.message} (got ${JSON.stringify(env[variable] ?? null)})`);
  }
  const values = parsed.data;
  if (!values.PORTICO_SUBGRAPH_SECRET && values.NODE_ENV === 'production') {
    throw new ConfigError('PORTICO_SUBGRAPH_SECRET: is required when NODE_ENV=production');
  }
  const storage: StorageOptions = values.DATABASE_URL
    ? { kind: 'postgres', url: values.DATABASE_URL, schema: values.DATABASE_SCHEMA }
    : { kind: 'embedded', dataDir: resolve(values.PORTICO_DATA_DIR, name) };
  return Object.freeze({
    port: values.PORT,
    host: values.HOST,
    storage,
    secret: values.PORTICO_SUBGRAPH_SECRET ?? DEV_SUBGRAPH_SECRET,
    usingDevSecret: !values.PORTICO_SUBGRAPH_SECRET,
    logLevel: values.LOG_LEVEL,
  });
}
