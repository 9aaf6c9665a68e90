import { composeServices } from '@apollo/composition';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'graphql';
import type { BenchGraph } from './graphs.js';

/** Which supergraph a gateway is given (see GatewayDefinition.supergraph). */
export interface SupergraphVariant {
  /** With the authorization and cost directives of SECURED_SDL (Portico's rows). */
  secured?: boolean;
  /** Route to the subgraphs' cache-hinting endpoint (`?cacheHints=1`): query answers carry `Cache-Control: max-age=60, public`. */
  cacheHints?: boolean;
}

export const variantKey = (variant: SupergraphVariant = {}) => `${variant.secured ? 'secured' : 'plain'}${variant.cacheHints ? '+hints' : ''}`;

/** Composes a graph's subgraphs, routed to `urls`, into a supergraph file in a fresh temp directory. */
export function writeSupergraph(graph: BenchGraph, urls: Record<string, string>, variant: SupergraphVariant = {}): string {
  const sdl = graph.sdl(variant.secured ?? false);
  const route = (name: string) => (variant.cacheHints ? `${urls[name]}?cacheHints=1` : urls[name]);
  const result = composeServices(graph.subgraphs.map((name) => ({ name, url: route(name), typeDefs: parse(sdl[name]) })));
  if (result.errors) throw new Error(`${graph.id}: composition failed: ${result.errors.map((e) => e.message).join('; ')}`);
  const path = join(mkdtempSync(join(tmpdir(), 'portico-bench-')), 'supergraph.graphql');
  writeFileSync(path, result.supergraphSdl);
  return path;
}
