import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type { PorticoConfig } from '../config/index.js';

/** `auto`: pretty on a terminal outside production, JSON lines otherwise; `json` or `pretty` to choose. */
export type LogFormat = 'auto' | 'json' | 'pretty';

/** Whether lines are for a person: `pretty`, or `auto` with stdout a terminal and NODE_ENV not production. */
export function wantsPretty(format: LogFormat = 'auto', { isTTY = process.stdout.isTTY === true, env = process.env.NODE_ENV } = {}): boolean {
  return format === 'pretty' || (format === 'auto' && isTTY && env !== 'production');
}

/**
 * Pretty one-line logs on stdout (pino-pretty, a devDependency, loaded only here and only when wanted),
 * written synchronously in this process, so a line logged just before an exit is not lost. Undefined
 * (JSON lines) when not wanted or when pino-pretty is not installed, as in a production install.
 */
export function logDestination(format: LogFormat = 'auto'): pino.DestinationStream | undefined {
  if (!wantsPretty(format)) return undefined;
  try {
    const pretty = createRequire(import.meta.url)('pino-pretty') as (options: object) => pino.DestinationStream;
    return pretty({ singleLine: true, colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', sync: true });
  } catch {
    return undefined;
  }
}

/** Paths that may hold a credential: pino replaces them before a line is written. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-portico-identity"]',
  'req.headers["x-portico-signature"]',
  'req.headers["x-api-key"]',
  'headers["x-api-key"]',
  'apiKey',
  '*.apiKey',
  'headers.authorization',
  'token',
  '*.token',
  'config.auth.jwtSecret',
  'config.subgraphSecret',
];

export function createLogger(
  logging: Pick<PorticoConfig['logging'], 'level'> & { format?: LogFormat },
  destination?: NodeJS.WritableStream,
): Logger {
  return pino(
    { level: logging.level, base: { service: 'portico' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    (destination as pino.DestinationStream | undefined) ?? logDestination(logging.format),
  );
}
