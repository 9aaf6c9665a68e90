import { resolve } from 'node:path';
import { z } from 'zod';
import type { StorageOptions } from './storage/index.js';
import { isPlainIdentifier } from './storage/types.js';

import { DEFAULT_MAX_AGE_SECONDS, DEV_SUBGRAPH_SECRET, gatewayPublicKey, parsePublicKey } from '../../src/identity/signed-identity.js';

export { DEV_SUBGRAPH_SECRET };

/** The public half of the documented dev key pair (from DEV_SUBGRAPH_SECRET): development only. */
export const DEV_GATEWAY_PUBLIC_KEY = gatewayPublicKey(DEV_SUBGRAPH_SECRET);

export interface SubgraphConfig {
  port: number;
  host: string;
  storage: StorageOptions;
  /** The gateway's public keys the signed identity is verified with (more than one during a rotation). */
  gatewayKeys: string[];
  /** True when PORTICO_GATEWAY_PUBLIC_KEYS was not set and the dev key is trusted. */
  usingDevKey: boolean;
  /** How old a signed identity may be, in seconds. */
  identityMaxAgeSeconds: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `auto`: pretty on a terminal outside production, JSON lines otherwise. */
  logFormat: 'auto' | 'json' | 'pretty';
}

/** A bad environment variable; the message is one line naming it. */
export class ConfigError extends Error {}

const PORT_RANGE = 'must be an integer between 0 and 65535';

/** Variables whose value may hold a secret (a password in a URL, a key): never quoted in an error. */
const holdsSecret = (variable: string) => variable === 'DATABASE_URL' || /SECRET|KEY|PASSWORD|TOKEN/i.test(variable);
const blankToUndefined = (value: unknown) => (value === '' ? undefined : value);

function isPublicKey(text: string): boolean {
  try {
    parsePublicKey(text);
    return true;
  } catch {
    return false;
  }
}

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
        .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL, with no spaces or line breaks')
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
    PORTICO_GATEWAY_PUBLIC_KEYS: z.preprocess(
      blankToUndefined,
      z
        .string()
        .transform((text) => text.split(',').map((key) => key.trim()).filter(Boolean))
        .refine((keys) => keys.length > 0 && keys.every(isPublicKey), 'must be comma-separated gateway public keys (43 base64url characters each)')
        .optional(),
    ),
    PORTICO_IDENTITY_MAX_AGE_SECONDS: z.preprocess(
      blankToUndefined,
      z.coerce
        .number({ error: 'must be an integer between 1 and 300' })
        .int('must be an integer between 1 and 300')
        .min(1, 'must be an integer between 1 and 300')
        .max(300, 'must be an integer between 1 and 300')
        .default(DEFAULT_MAX_AGE_SECONDS),
    ),
    LOG_LEVEL: z.preprocess(
      blankToUndefined,
      z
        .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
          error: 'must be one of fatal, error, warn, info, debug, trace, silent',
        })
        .default('info'),
    ),
    LOG_FORMAT: z.preprocess(blankToUndefined, z.enum(['auto', 'json', 'pretty'], { error: 'must be one of auto, json, pretty' }).default('auto')),
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
  // Checked by hand: a schema error would quote the value, and this one is the gateway's secret.
  if (env.PORTICO_SUBGRAPH_SECRET) {
    throw new ConfigError(
      'PORTICO_SUBGRAPH_SECRET: subgraphs no longer take the gateway secret; set PORTICO_GATEWAY_PUBLIC_KEYS instead (npm run gateway-public-key prints it)',
    );
  }
  const parsed = envSchema(name, defaultPort).safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue.path[0]);
    // The value is quoted only where it cannot be a secret: a DATABASE_URL with a stray newline holds a password.
    const got = holdsSecret(variable) ? '' : ` (got ${JSON.stringify(env[variable] ?? null)})`;
    throw new ConfigError(`${variable}: ${issue.message}${got}`);
  }
  const values = parsed.data;
  if (!values.PORTICO_GATEWAY_PUBLIC_KEYS && values.NODE_ENV === 'production') {
    throw new ConfigError('PORTICO_GATEWAY_PUBLIC_KEYS: is required when NODE_ENV=production');
  }
  // Its private half is derived from a documented secret: anyone could sign as the gateway.
  if (values.NODE_ENV === 'production' && values.PORTICO_GATEWAY_PUBLIC_KEYS?.includes(DEV_GATEWAY_PUBLIC_KEY)) {
    throw new ConfigError(
      'PORTICO_GATEWAY_PUBLIC_KEYS: holds the documented dev public key, refused when NODE_ENV=production; set the production gateway\'s key (npm run gateway-public-key)',
    );
  }
  const storage: StorageOptions = values.DATABASE_URL
    ? { kind: 'postgres', url: values.DATABASE_URL, schema: values.DATABASE_SCHEMA }
    : { kind: 'embedded', dataDir: resolve(values.PORTICO_DATA_DIR, name) };
  return Object.freeze({
    port: values.PORT,
    host: values.HOST,
    storage,
    gatewayKeys: values.PORTICO_GATEWAY_PUBLIC_KEYS ?? [DEV_GATEWAY_PUBLIC_KEY],
    usingDevKey: !values.PORTICO_GATEWAY_PUBLIC_KEYS,
    identityMaxAgeSeconds: values.PORTICO_IDENTITY_MAX_AGE_SECONDS,
    logLevel: values.LOG_LEVEL,
    logFormat: values.LOG_FORMAT,
  });
}
