import {
  getNamedType,
  isListType,
  isNonNullType,
  isAbstractType,
  isObjectType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type InlineFragmentNode,
  type SelectionNode,
} from 'graphql';
import type { Supergraph } from '../gateway/supergraph.js';

/** Response keys Portico adds to learn which entities a response holds; stripped before the client sees them. */
export const TYPENAME_KEY = 'portico__typename';
export const KEY_PREFIX = 'portico__k_';

export interface EntityModel {
  schema: GraphQLSchema;
  /** Key fields of each entity type (its first `@key` made of plain fields). */
  keys: Map<string, string[]>;
}

/** Entity types and their keys, from the supergraph's `@join__type(key:)`. */
export function readEntityModel({ document, schema }: Supergraph): EntityModel {
  const keys = new Map<string, string[]>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    if (keys.has(definition.name.value)) continue;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'join__type') continue;
      const key = directive.arguments?.find((a) => a.name.value === 'key')?.value;
      if (key?.kind !== Kind.STRING || key.value.includes('{')) continue;
      keys.set(definition.name.value, key.value.trim().split(/[\s,]+/));
      break;
    }
  }
  return { schema, keys };
}

const field = (alias: string, name: string): FieldNode => ({
  kind: Kind.FIELD,
  alias: { kind: Kind.NAME, value: alias },
  name: { kind: Kind.NAME, value: name },
});
const keyFields = (keys: string[]) => keys.map((k) => field(`${KEY_PREFIX}${k}`, k));

/**
 * The document with `__typename` and key fields added to every selection of an entity (or of an
 * abstract type with entity members), under aliases of Portico's own, so a response names its entities.
 */
export function withEntityKeys(model: EntityModel, document: DocumentNode): DocumentNode {
  const typeInfo = new TypeInfo(model.schema);
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      SelectionSet: {
        leave(node) {
          const type = typeInfo.getParentType();
          if (!type) return undefined;
          const added: SelectionNode[] = [];
          if (isObjectType(type) && model.keys.has(type.name)) {
            added.push(field(TYPENAME_KEY, '__typename'), ...keyFields(model.keys.get(type.name)!));
          } else if (isAbstractType(type)) {
            const members = model.schema.getPossibleTypes(type).filter((t) => model.keys.has(t.name));
            if (members.length === 0) return undefined;
            added.push(field(TYPENAME_KEY, '__typename'));
            for (const member of members) {
              const fragment: InlineFragmentNode = {
                kind: Kind.INLINE_FRAGMENT,
                typeCondition: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: member.name } },
                selectionSet: { kind: Kind.SELECTION_SET, selections: keyFields(model.keys.get(member.name)!) },
              };
              added.push(fragment);
            }
          }
          return added.length ? { ...node, selections: [...node.selections, ...added] } : undefined;
        },
      },
    }),
  );
}

/**
 * Tags known from the document alone: `type:T` for every entity type it selects and `l:T` for every
 * list of entities, so an empty list is still evicted when a mutation adds to it.
 */
export function documentTags(model: EntityModel, document: DocumentNode): string[] {
  const tags = new Set<string>();
  const typeInfo = new TypeInfo(model.schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const type = typeInfo.getType();
        if (!type) return;
        const named = getNamedType(type);
        const entities = isAbstractType(named)
          ? model.schema.getPossibleTypes(named).filter((t) => model.keys.has(t.name))
          : model.keys.has(named.name)
            ? [named]
            : [];
        const list = isListType(isNonNullType(type) ? type.ofType : type);
        for (const entity of entities) {
          tags.add(`type:${entity.name}`);
          if (list) tags.add(`l:${entity.name}`);
        }
      },
    }),
  );
  return [...tags];
}

/**
 * Reads the entities out of response data and returns the data without Portico's keys (rebuilt, not
 * deleted from: deleting properties slows every later access and the JSON output). Tags: `e:Type:key`
 * per entity, `id:value` for a single-field key, `l:Type` for a list of entities, `t:Type` for an
 * entity whose key is unknown, `type:Type` for any entity of the type (for purges).
 */
export function takeEntityTags<T>(data: T): { data: T; tags: Set<string> } {
  const tags = new Set<string>();
  const walk = (value: unknown, inList: boolean): unknown => {
    if (Array.isArray(value)) return value.map((item) => walk(item, true));
    if (!value || typeof value !== 'object') return value;
    const record = value as Record<string, unknown>;
    const typename = record[TYPENAME_KEY];
    const out: Record<string, unknown> = {};
    let key: Record<string, unknown> | undefined;
    for (const name in record) {
      // Key values as strings, so an Int key and the same key declared by a subgraph tag alike.
      if (name.startsWith(KEY_PREFIX)) (key ??= {})[name.slice(KEY_PREFIX.length)] = String(record[name]);
      else if (name !== TYPENAME_KEY) out[name] = walk(record[name], false);
    }
    if (typeof typename === 'string') {
      tags.add(`type:${typename}`);
      if (!key) tags.add(`t:${typename}`);
      else {
        tags.add(`e:${typename}:${JSON.stringify(key)}`);
        const values = Object.values(key);
        if (values.length === 1) tags.add(`id:${String(values[0])}`);
      }
      if (inList) tags.add(`l:${typename}`);
    }
    return out;
  };
  return { data: walk(data, false) as T, tags };
}
