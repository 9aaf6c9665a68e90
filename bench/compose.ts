import { composeServices } from '@apollo/composition';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'graphql';
import { SDL, SUBGRAPH_NAMES, type SubgraphName } from './schema.js';

/** Composes the bench subgraphs, routed to `urls`, into a supergraph file in a fresh temp directory. */
export function writeSupergraph(urls: Record<SubgraphName, string>): string {
  const result = composeServices(SUBGRAPH_NAMES.map((name) => ({ name, url: urls[name], typeDefs: parse(SDL[name]) })));
  if (result.errors) throw new Error(`composition failed: ${result.errors.map((e) => e.message).join('; ')}`);
  const path = join(mkdtempSync(join(tmpdir(), 'portico-bench-')), 'supergraph.graphql');
  writeFileSync(path, result.supergraphSdl);
  return path;
}
