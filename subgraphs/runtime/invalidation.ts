import type { ApolloServerPlugin } from '@apollo/server';

/**
 * What a subgraph changed, declared in its response as Apollo Router's entity cache reads it:
 * `extensions.invalidation: [{ kind: "entity", subgraph, type, key }]`. The subgraph knows its
 * canonical keys (the id as stored, whatever case or variable the client wrote it with), so the
 * gateway evicts exactly what changed.
 */
export interface Invalidation {
  kind: 'entity';
  subgraph: string;
  type: string;
  key: Record<string, string | number>;
}

/** A request's invalidations, declared by resolvers with `invalidate(type, key)`. */
export interface Invalidations {
  invalidations: Invalidation[];
  invalidate(type: string, key: Record<string, string | number>): void;
}

export function createInvalidations(subgraph: string): Invalidations {
  const invalidations: Invalidation[] = [];
  return { invalidations, invalidate: (type, key) => void invalidations.push({ kind: 'entity', subgraph, type, key }) };
}

/** Puts the request's invalidations into its response's extensions. */
export function invalidationPlugin(): ApolloServerPlugin<Partial<Invalidations>> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          const declared = contextValue.invalidations;
          if (!declared?.length || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, invalidation: declared };
        },
      };
    },
  };
}
