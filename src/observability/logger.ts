import { pino, type Logger } from 'pino';
import type { PorticoConfig } from '../config/index.js';

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
  logging: PorticoConfig['logging'],
  destination?: NodeJS.WritableStream,
): Logger {
  return pino(
    { level: logging.level, base: { service: 'portico' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    destination as pino.DestinationStream | undefined,
  );
}
