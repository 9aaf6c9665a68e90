import { describe, expect, it } from 'vitest';
import { gatewayPublicKey } from '../../../src/identity/signed-identity.js';
import { ConfigError, DEV_GATEWAY_PUBLIC_KEY, DEV_SUBGRAPH_SECRET, loadSubgraphConfig } from '../../../subgraphs/runtime/index.js';

const load = (env: Record<string, string>) => loadSubgraphConfig('todos', env, { defaultPort: 4001 });

describe('loadSubgraphConfig', () => {
  it('defaults to embedded storage under ./data/<name>, 127.0.0.1, the dev public key and a 30 s lifetime', () => {
    const config = load({});
    expect(config).toMatchObject({ port: 4001, host: '127.0.0.1', gatewayKeys: [DEV_GATEWAY_PUBLIC_KEY], usingDevKey: true, identityMaxAgeSeconds: 30, logLevel: 'info' });
    expect(DEV_GATEWAY_PUBLIC_KEY).toBe(gatewayPublicKey(DEV_SUBGRAPH_SECRET));
    expect(config.storage).toEqual({ kind: 'embedded', dataDir: expect.stringMatching(/data[/\\]todos$/) });
  });

  it('uses Postgres in a schema named after the subgraph when DATABASE_URL is set', () => {
    expect(load({ DATABASE_URL: 'postgres://u@db:5432/app' }).storage).toEqual({
      kind: 'postgres',
      url: 'postgres://u@db:5432/app',
      schema: 'todos',
    });
    expect(load({ DATABASE_URL: 'postgres://u@db/app', DATABASE_SCHEMA: 'tenant_a' }).storage).toMatchObject({ schema: 'tenant_a' });
  });

  it.each([
    [{ PORT: 'abc' }, /^PORT: /],
    [{ PORT: '70000' }, /^PORT: /],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL: /],
    [{ DATABASE_URL: 'postgres://x/y', DATABASE_SCHEMA: 'Robert"; DROP' }, /^DATABASE_SCHEMA: /],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: /],
    [{ PORTICO_GATEWAY_PUBLIC_KEYS: 'short' }, /^PORTICO_GATEWAY_PUBLIC_KEYS: /],
    [{ PORTICO_IDENTITY_MAX_AGE_SECONDS: '0' }, /^PORTICO_IDENTITY_MAX_AGE_SECONDS: /],
    [{ NODE_ENV: 'production' }, /^PORTICO_GATEWAY_PUBLIC_KEYS: is required/],
  ])('refuses %j with one line naming the variable', (env, message) => {
    expect(() => load(env)).toThrow(ConfigError);
    expect(() => load(env)).toThrow(message);
  });

  it('takes the gateway public keys (a list, for rotations) and the lifetime from the environment', () => {
    const keys = [gatewayPublicKey('first-secret-0123456789'), gatewayPublicKey('second-secret-0123456789')];
    const config = load({ NODE_ENV: 'production', PORTICO_GATEWAY_PUBLIC_KEYS: ` ${keys[0]}, ${keys[1]} `, PORTICO_IDENTITY_MAX_AGE_SECONDS: '10' });
    expect(config).toMatchObject({ gatewayKeys: keys, usingDevKey: false, identityMaxAgeSeconds: 10 });
  });

  it('refuses the gateway secret, without repeating it: a subgraph holds public keys only', () => {
    const error = (() => {
      try {
        load({ PORTICO_SUBGRAPH_SECRET: 'the-gateway-secret-0123456789' });
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toMatch(/^PORTICO_SUBGRAPH_SECRET: .*PORTICO_GATEWAY_PUBLIC_KEYS/);
    expect(error!.message).not.toContain('the-gateway-secret');
  });

  it.each([
    [{ DATABASE_URL: 'postgres://app:s3cret-pw@db:5432/app\n' }, 's3cret-pw', /^DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL, with no spaces or line breaks$/],
    [{ DATABASE_URL: 'mysql://app:s3cret-pw@db/app' }, 's3cret-pw', /^DATABASE_URL: must be/],
    [{ PORTICO_GATEWAY_PUBLIC_KEYS: 'not-a-key-but-private-stuff' }, 'private-stuff', /^PORTICO_GATEWAY_PUBLIC_KEYS: must be comma-separated/],
  ])('names the variable and what is wrong, never quoting a secret-bearing value (%j)', (env, secretPart, message) => {
    let error: Error | undefined;
    try {
      load(env);
    } catch (caught) {
      error = caught as Error;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toMatch(message);
    expect(error!.message).not.toContain(secretPart);
    expect(error!.message).not.toContain('got');
  });

  it('still quotes a value that cannot be a secret, to show what was wrong', () => {
    expect(() => load({ LOG_LEVEL: 'loud' })).toThrow('LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")');
  });

  it('refuses the documented dev public key when NODE_ENV=production, alone or in a rotation list, with one line', () => {
    const production = gatewayPublicKey('the-production-secret-0123456789');
    for (const keys of [DEV_GATEWAY_PUBLIC_KEY, `${production},${DEV_GATEWAY_PUBLIC_KEY}`]) {
      expect(() => load({ NODE_ENV: 'production', PORTICO_GATEWAY_PUBLIC_KEYS: keys })).toThrow(
        /^PORTICO_GATEWAY_PUBLIC_KEYS: holds the documented dev public key, refused when NODE_ENV=production; [^\n]*$/,
      );
    }
    // Outside production it may be set explicitly, and a production key is accepted in production.
    expect(load({ PORTICO_GATEWAY_PUBLIC_KEYS: DEV_GATEWAY_PUBLIC_KEY }).gatewayKeys).toEqual([DEV_GATEWAY_PUBLIC_KEY]);
    expect(load({ NODE_ENV: 'production', PORTICO_GATEWAY_PUBLIC_KEYS: production }).gatewayKeys).toEqual([production]);
  });
});
