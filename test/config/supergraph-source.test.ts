// Where the supergraph comes from: a composed file (supergraph.path) or a subgraph list (supergraph.subgraphs).
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

const load = (options: Parameters<typeof loadConfig>[0]) => loadConfig({ file: '/dev/null', env: {}, ...options });

describe('supergraph source', () => {
  it('serves schema/supergraph.graphql by default, with no subgraph list', () => {
    expect(load({}).supergraph).toEqual({ path: 'schema/supergraph.graphql', watch: true });
  });

  it('takes a subgraph list from PORTICO_SUBGRAPHS or the command line', () => {
    expect(load({ env: { PORTICO_SUBGRAPHS: 'schema/subgraphs.yaml' } }).supergraph.subgraphs).toBe('schema/subgraphs.yaml');
    expect(load({ overrides: { supergraph: { subgraphs: 'other.yaml' } } }).supergraph.subgraphs).toBe('other.yaml');
  });

  it('refuses a supergraph path and a subgraph list set together, wherever they come from', () => {
    const both = () => load({ env: { PORTICO_SUPERGRAPH: 'a.graphql' }, overrides: { supergraph: { subgraphs: 'b.yaml' } } });
    expect(both).toThrow(ConfigError);
    expect(both).toThrow(/supergraph: set either supergraph.path .* or supergraph.subgraphs .*, not both/);
  });
});
