import { describe, expect, it } from 'vitest';
import { parseCli, USAGE } from '../src/cli.js';

describe('parseCli', () => {
  it('turns flags into config overrides', () => {
    expect(parseCli(['--supergraph', 's.graphql', '--port', '4100', '--host', '0.0.0.0', '--config', 'p.yaml'])).toEqual({
      kind: 'serve',
      configFile: 'p.yaml',
      overrides: { supergraph: { path: 's.graphql' }, server: { port: '4100', host: '0.0.0.0' } },
    });
    expect(parseCli(['--subgraphs', 'schema/subgraphs.yaml'])).toEqual({ kind: 'serve', overrides: { supergraph: { subgraphs: 'schema/subgraphs.yaml' } } });
    expect(parseCli([])).toEqual({ kind: 'serve', overrides: {} });
  });

  it('asks for help with --help or -h', () => {
    expect(parseCli(['--help'])).toEqual({ kind: 'help' });
    expect(parseCli(['-h', '--port', '1'])).toEqual({ kind: 'help' });
    expect(USAGE).toMatch(/--subgraphs <file>/);
  });

  it('refuses unknown flags and a supergraph with a subgraph list', () => {
    expect(parseCli(['--prot', '4000'])).toMatchObject({ kind: 'error', message: expect.stringContaining('--prot') });
    expect(parseCli(['--supergraph', 'a', '--subgraphs', 'b'])).toEqual({ kind: 'error', message: 'give either --supergraph or --subgraphs, not both' });
  });
});
