import { describe, expect, it } from 'vitest';
import { ConfigError, DEV_SUBGRAPH_SECRET, loadSubgraphConfig } from '../../../subgraphs/runtime/index.js';

const load = (env: Record<string, string>) => loadSubgraphConfig('todos', env, { defaultPort: 4001 });

describe('loadSubgraphConfig', () => {
  it('defaults to embedded storage under ./data/<name>, 127.0.0.1 and the dev secret', () => {
    const config = load({});
    expect(config).toMatchObject({ port: 4001, host: '127.0.0.1', secret: DEV_SUBGRAPH_SECRET, usingDevSecret: true, logLevel: 'info' });
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
    [{ PORTICO_SUBGRAPH_SECRET: 'short' }, /^PORTICO_SUBGRAPH_SECRET: /],
    [{ NODE_ENV: 'production' }, /^PORTICO_SUBGRAPH_SECRET: is required/],
  ])('refuses %j with one line naming the variable', (env, message) => {
    expect(() => load(env)).toThrow(ConfigError);
    expect(() => load(env)).toThrow(message);
  });

  it('takes the secret from PORTICO_SUBGRAPH_SECRET', () => {
    const config = load({ NODE_ENV: 'production', PORTICO_SUBGRAPH_SECRET: 'a-long-enough-secret' });
    expect(config).toMatchObject({ secret: 'a-long-enough-secret', usingDevSecret: false });
  });
});
