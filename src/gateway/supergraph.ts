import { createHash } from 'node:crypto';
import { buildASTSchema, parse, type DocumentNode, type GraphQLSchema } from 'graphql';

/**
 * A loaded supergraph, parsed and built once and handed to every concern that reads its directives
 * (the gateway's own API schema carries none of them).
 */
export interface Supergraph {
  sdl: string;
  document: DocumentNode;
  /** Every type and field, `@inaccessible` ones included. */
  schema: GraphQLSchema;
}

export function readSupergraph(sdl: string): Supergraph {
  const document = parse(sdl);
  return { sdl, document, schema: buildASTSchema(document, { assumeValidSDL: true }) };
}

/** A short id of a supergraph's SDL: what is kept per supergraph (cache entries, learned sizes) is kept under it. */
export function supergraphId({ sdl }: Supergraph): string {
  return createHash('sha256').update(sdl).digest('hex').slice(0, 16);
}
