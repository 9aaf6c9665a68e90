import {
  getNamedType,
  isCompositeType,
  parse,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type GraphQLSchema,
} from 'graphql';
import type { Supergraph } from '../gateway/supergraph.js';

export interface CacheHint {
  maxAge: number;
  scope?: 'PUBLIC' | 'PRIVATE';
}

const QUERIES = 1000;

/**
 * Cache hints from config for subgraphs that send none: by field (`Query.user`) or type (`User`).
 * A subgraph fetch gets a hint only when every root field, entity and object-typed field it selects
 * has one (scalars inherit); the smallest `maxAge` wins and `PRIVATE` if any is private. Without a
 * configured hint the default stays: not cacheable.
 */
export function createDefaultHints(hints: Readonly<Record<string, CacheHint>>) {
  let schema: GraphQLSchema | undefined;
  const byQuery = new Map<string, string | null>();

  function compute(query: string): string | null {
    if (!schema) return null;
    const typeInfo = new TypeInfo(schema);
    let maxAge = Infinity;
    let scope: 'PUBLIC' | 'PRIVATE' = 'PUBLIC';
    let covered = true;
    const apply = (hint: CacheHint | undefined) => {
      if (!hint) return void (covered = false);
      maxAge = Math.min(maxAge, hint.maxAge);
      if (hint.scope === 'PRIVATE') scope = 'PRIVATE';
    };
    visit(
      parse(query),
      visitWithTypeInfo(typeInfo, {
        InlineFragment(node) {
          // An entity fetch: `_entities { ... on Todo { … } }` is governed by the entity type's hint
          // (`_entities` is not in the API schema, so the fragment has no parent type: undefined, not null).
          if (node.typeCondition && typeInfo.getParentType() == null) apply(hints[node.typeCondition.name.value]);
        },
        Field(node) {
          const parent = typeInfo.getParentType();
          const type = typeInfo.getType();
          if (!parent || !type || node.name.value.startsWith('__')) return;
          const root = parent === schema!.getQueryType();
          if (!root && !isCompositeType(getNamedType(type))) return;
          apply(hints[`${parent.name}.${node.name.value}`] ?? hints[getNamedType(type).name]);
        },
      }),
    );
    if (!covered || maxAge === Infinity || maxAge <= 0) return null;
    return `max-age=${maxAge}, ${scope.toLowerCase()}`;
  }

  return {
    enabled: Object.keys(hints).length > 0,
    useSupergraph(supergraph: Supergraph) {
      schema = supergraph.schema;
      byQuery.clear();
    },
    /** The Cache-Control value to assume for a subgraph fetch that came back without one. */
    headerFor(query: string): string | null {
      let header = byQuery.get(query);
      if (header === undefined) {
        header = compute(query);
        if (byQuery.size >= QUERIES) byQuery.delete(byQuery.keys().next().value as string);
        byQuery.set(query, header);
      }
      return header;
    },
  };
}
