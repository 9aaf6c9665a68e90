import { describe, expect, it } from 'vitest';
import { gatewayCompatibleSupergraph } from '../../src/gateway/supergraph-file.js';

describe('gatewayCompatibleSupergraph', () => {
  it('drops the SECURITY purpose from the auth spec links only', () => {
    const sdl = [
      'schema',
      '  @link(url: "https://specs.apollo.dev/link/v1.0")',
      '  @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)',
      '  @link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)',
      '  @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)',
      '  @link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)',
      '{ query: Query }',
    ].join('\n');
    const out = gatewayCompatibleSupergraph(sdl);
    expect(out).not.toContain('SECURITY');
    expect(out).toContain('@link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)');
    expect(out).toContain('@link(url: "https://specs.apollo.dev/policy/v0.1")');
  });
});
