import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { Kind, visit, type DirectiveNode, type DocumentNode } from 'graphql';

const argument = (directive: DirectiveNode, name: string) => directive.arguments?.find((a) => a.name.value === name)?.value;

/** The largest `@cacheControl(maxAge:)` in the SDL, and the entity types whose hint says `inheritMaxAge: true`. */
function readHints(typeDefs: DocumentNode): { ceiling: number | undefined; inheriting: Set<string> } {
  let ceiling: number | undefined;
  const inheriting = new Set<string>();
  visit(typeDefs, {
    Directive(node) {
      if (node.name.value !== 'cacheControl') return;
      const maxAge = argument(node, 'maxAge');
      if (maxAge?.kind === Kind.INT) ceiling = Math.max(ceiling ?? 0, Number(maxAge.value));
    },
  });
  for (const definition of typeDefs.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const directives = definition.directives ?? [];
    const isEntity = directives.some((d) => d.name.value === 'key');
    const hint = directives.find((d) => d.name.value === 'cacheControl');
    const inherit = hint && argument(hint, 'inheritMaxAge');
    if (isEntity && inherit?.kind === Kind.BOOLEAN && inherit.value) inheriting.add(definition.name.value);
  }
  return { ceiling, inheriting };
}

interface CacheControlInfo {
  cacheControl?: { cacheHint?: { restrict?: (hint: { maxAge: number }) => void } };
}

/**
 * An entity type hinted `@cacheControl(inheritMaxAge: true)` inherits its parent's hint; inside an
 * entity fetch (`_entities`) its parent is in another subgraph's answer, which the gateway merges
 * (the smallest maxAge of every fetch wins). Apollo Server sees no parent there and makes the whole
 * fetch uncacheable. Here such an entity's `_entities` entry says "no limit of its own": the largest
 * maxAge this subgraph declares anywhere, so its own fields' hints and the gateway's merge decide.
 */
export function withInheritedEntityHints<TContext>(resolvers: GraphQLResolverMap<TContext>, typeDefs: DocumentNode): GraphQLResolverMap<TContext> {
  const { ceiling, inheriting } = readHints(typeDefs);
  if (ceiling === undefined || inheriting.size === 0) return resolvers;
  const out: GraphQLResolverMap<TContext> = { ...resolvers };
  for (const typeName of inheriting) {
    const fields = (resolvers[typeName] ?? {}) as Record<string, unknown>;
    const resolve = fields.__resolveReference as ((reference: unknown, context: unknown, info: unknown) => unknown) | undefined;
    out[typeName] = {
      ...fields,
      __resolveReference: (reference: unknown, context: unknown, info: CacheControlInfo) => {
        info?.cacheControl?.cacheHint?.restrict?.({ maxAge: ceiling });
        return resolve ? resolve(reference, context, info) : reference;
      },
    } as GraphQLResolverMap<TContext>[string];
  }
  return out;
}
