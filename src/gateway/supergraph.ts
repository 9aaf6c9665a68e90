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
