import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEV_JWT_SECRET, DEV_SUBGRAPH_SECRET, loadConfig } from '../../src/config/index.js';

const noFile = join(tmpdir(), 'portico-no-config-here.yaml');
function configFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'portico-config-')), 'portico.config.yaml');
  writeFileSync(path, text);
  return path;
}
function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('runs on documented defaults in development, and says it uses dev secrets', () => {
    const config = loadConfig({ env: {}, file: configFile('') });
    expect(config.server.port).toBe(4000);
    expect(config.supergraph.path).toBe('schema/supergraph.graphql');
    expect(config.auth.jwtSecret).toBe(DEV_JWT_SECRET);
    expect(config.usesDevSecrets).toEqual({ jwt: true, subgraph: true });
    expect(config.sandbox).toBe(true);
    expect(config.introspection).toBe(true);
    expect(config.apolloTelemetry).toBe(false);
  });

  it('lets the environment override the file, and the command line override both', () => {
    const file = configFile('server:\n  port: 5000\n  host: 0.0.0.0\nlogging:\n  level: debug\n');
    expect(loadConfig({ env: {}, file }).server).toMatchObject({ port: 5000, host: '0.0.0.0' });
    expect(loadConfig({ env: { PORT: '6000' }, file }).server.port).toBe(6000);
    expect(loadConfig({ env: { PORT: '6000' }, file, overrides: { server: { port: 7000 } } }).server.port).toBe(7000);
    expect(loadConfig({ env: { PORT: '6000' }, file }).logging.level).toBe('debug');
  });

  it('reads subgraph URL overrides from PORTICO_SUBGRAPH_<NAME>_URL', () => {
    const config = loadConfig({ env: { PORTICO_SUBGRAPH_TODOS_URL: 'http://127.0.0.1:9001/graphql' }, file: configFile('') });
    expect(config.subgraphs.todos.url).toBe('http://127.0.0.1:9001/graphql');
  });

  it('names the key and the variable of a bad value', () => {
    const error = errorOf(() => loadConfig({ env: { PORT: 'eighty' }, file: configFile('') }));
    expect(error.message).toMatch(/^config: server\.port \(PORT\): /);
  });

  it('refuses unknown keys in the file, so a typo is not silently ignored', () => {
    const error = errorOf(() => loadConfig({ env: {}, file: configFile('server:\n  prot: 1\n') }));
    expect(error.message).toContain('server');
    expect(error.message).toContain('prot');
  });

  it('refuses a missing config file that was asked for', () => {
    expect(() => loadConfig({ env: {}, file: noFile })).toThrow(/does not exist/);
  });

  it('refuses to run in production without a token secret or JWKS URL, or without a subgraph secret', () => {
    expect(errorOf(() => loadConfig({ env: { NODE_ENV: 'production' }, file: configFile('') })).key).toBe('auth.jwtSecret');
    const secret = 'x'.repeat(32);
    expect(errorOf(() => loadConfig({ env: { NODE_ENV: 'production', PORTICO_JWT_SECRET: secret }, file: configFile('') })).key).toBe('subgraphSecret');
    const config = loadConfig({ env: { NODE_ENV: 'production', PORTICO_JWT_SECRET: secret, PORTICO_SUBGRAPH_SECRET: secret }, file: configFile('') });
    expect(config.sandbox).toBe(false);
    expect(config.introspection).toBe(false);
    expect(config.usesDevSecrets).toEqual({ jwt: false, subgraph: false });
  });

  it('refuses the documented dev subgraph secret in production, from the environment or the file, with one line', () => {
    const jwt = { PORTICO_JWT_SECRET: 'x'.repeat(32) };
    const fromEnv = errorOf(() => loadConfig({ env: { NODE_ENV: 'production', ...jwt, PORTICO_SUBGRAPH_SECRET: DEV_SUBGRAPH_SECRET }, file: configFile('') }));
    expect(fromEnv.message).toMatch(/^config: subgraphSecret \(PORTICO_SUBGRAPH_SECRET\): is the documented dev secret, refused in production; [^\n]*$/);
    expect(fromEnv.message).not.toContain(DEV_SUBGRAPH_SECRET);
    const fromFile = errorOf(() => loadConfig({ env: { NODE_ENV: 'production', ...jwt }, file: configFile(`subgraphSecret: ${DEV_SUBGRAPH_SECRET}\n`) }));
    expect(fromFile.key).toBe('subgraphSecret');
    // Outside production the dev secret may be set explicitly.
    expect(loadConfig({ env: { PORTICO_SUBGRAPH_SECRET: DEV_SUBGRAPH_SECRET }, file: configFile('') }).subgraphSecret).toBe(DEV_SUBGRAPH_SECRET);
  });

  it('refuses the documented dev JWT secret in production, set explicitly (anyone could mint tokens with it)', () => {
    const subgraph = { PORTICO_SUBGRAPH_SECRET: 'y'.repeat(32) };
    const refused = errorOf(() => loadConfig({ env: { NODE_ENV: 'production', ...subgraph, PORTICO_JWT_SECRET: DEV_JWT_SECRET }, file: configFile('') }));
    expect(refused.message).toMatch(/^config: auth\.jwtSecret \(PORTICO_JWT_SECRET\): is the documented dev secret, refused in production; [^\n]*$/);
    expect(refused.message).not.toContain(DEV_JWT_SECRET);
    expect(loadConfig({ env: { PORTICO_JWT_SECRET: DEV_JWT_SECRET }, file: configFile('') }).auth.jwtSecret).toBe(DEV_JWT_SECRET);
  });

  it('refuses a short JWT secret and a non-URL JWKS', () => {
    expect(errorOf(() => loadConfig({ env: { PORTICO_JWT_SECRET: 'short' }, file: configFile('') })).message).toMatch(/auth\.jwtSecret \(PORTICO_JWT_SECRET\): must be at least 32/);
    expect(errorOf(() => loadConfig({ env: { PORTICO_JWKS_URL: 'not a url' }, file: configFile('') })).key).toContain('auth.jwksUrl');
  });

  it('bounds the time a client has to send a request, from the file or the environment', () => {
    expect(loadConfig({ env: {}, file: configFile('') }).server).toMatchObject({ headersTimeoutMs: 15_000, requestTimeoutMs: 30_000 });
    const env = { PORTICO_HEADERS_TIMEOUT_MS: '2000', PORTICO_REQUEST_TIMEOUT_MS: '5000' };
    expect(loadConfig({ env, file: configFile('') }).server).toMatchObject({ headersTimeoutMs: 2000, requestTimeoutMs: 5000 });
    expect(errorOf(() => loadConfig({ env: { PORTICO_REQUEST_TIMEOUT_MS: '0' }, file: configFile('') })).message).toMatch(/server\.requestTimeoutMs \(PORTICO_REQUEST_TIMEOUT_MS\)/);
    expect(errorOf(() => loadConfig({ env: {}, file: configFile('server:\n  headersTimeoutMs: 40000\n') })).message).toMatch(/headersTimeoutMs cannot be longer than server\.requestTimeoutMs/);
  });

  it('returns a frozen config', () => {
    const config = loadConfig({ env: {}, file: configFile('') });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.server)).toBe(true);
  });
});
