import { composeServices } from '@apollo/composition';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'graphql';
import { SDL, SECURED_SDL, SUBGRAPH_NAMES, type SubgraphName } from './schema.js';

/** Which supergraph a gateway is given (see GatewayDefinition.supergraph). */
export interface SupergraphVariant {
  /** With the authorization and cost directives of SECURED_SDL (Portico's rows). */
  secured?: boolean;
  /** Route to the subgraphs' cache-hinting endpoint (`?cacheHints=1`): query answers carry `Cache-Control: max-age=60, public`. */
  cacheHints?: boolean;
}

export const variantKey = (variant: SupergraphVariant = {}) => `${variant.secured ? 'secured' : 'plain'}${variant.cacheHints ? '+hints' : ''}`;

/** Composes the bench subgraphs, routed to `urls`, into a supergraph file in a fresh temp directory. */
export function writeSupergraph(urls: Record<SubgraphName, string>, variant: SupergraphVariant = {}): string {
  const sdl = variant.secured ? SECURED_SDL : SDL;
  const route = (name: SubgraphName) => (variant.cacheHints ? `${urls[name]}?cacheHints=1` : urls[name]);
  const result = composeServices(SUBGRAPH_NAMES.map((name) => ({ name, url: route(name), typeDefs: parse(sdl[name]) })));
  if (result.errors) throw new Error(`composition failed: ${result.errors.map((e) => e.message).join('; ')}`);
  const path = join(mkdtempSync(join(tmpdir(), 'portico-bench-')), 'supergraph.graphql');
  writeFileSync(path, result.supergraphSdl);
  return path;
}
