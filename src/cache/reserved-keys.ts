import { GraphQLError, type ValidationRule } from 'graphql';

/**
 * The response-key namespace Portico adds its entity keys under (`TYPENAME_KEY`, `KEY_PREFIX` in
 * entity-keys.ts both start with it; a unit test holds them to it).
 */
export const RESERVED_PREFIX = 'portico__';

/**
 * Refuses a document whose response keys (aliases, or field names without one) use Portico's
 * namespace: the cache would take the client's values for entity keys (and evict or tag what the
 * client chose), and the client's own field would vanish from its answer. A validation rule, so it
 * is cached with validation and answered as Apollo Server answers any invalid document (400,
 * GRAPHQL_VALIDATION_FAILED).
 */
export const ReservedResponseKeysRule: ValidationRule = (context) => ({
  Field(node) {
    const key = node.alias?.value ?? node.name.value;
    if (!key.startsWith(RESERVED_PREFIX)) return;
    context.reportError(
      new GraphQLError(`The response key "${key}" is reserved by the gateway (the prefix "${RESERVED_PREFIX}"); choose another alias.`, {
        nodes: node.alias ?? node.name,
      }),
    );
  },
});
