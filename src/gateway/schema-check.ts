// Compares two supergraphs' API schemas (what clients see) and describes each change for a person.
import { Supergraph } from '@apollo/federation-internals';
import {
  buildASTSchema,
  BreakingChangeType,
  DangerousChangeType,
  findBreakingChanges,
  findDangerousChanges,
  type GraphQLSchema,
} from 'graphql';
import { gatewayCompatibleSupergraph } from './supergraph-file.js';

export interface SchemaChange {
  level: 'breaking' | 'dangerous';
  /** graphql-js's change type, e.g. FIELD_REMOVED. */
  type: string;
  /** `Type` or `Type.field` the change is about. */
  coordinate: string;
  /** What changed, in graphql-js's words (e.g. "Todo.title changed type from String! to Int!."). */
  description: string;
  /** The subgraphs that define (or defined) the coordinate, when the supergraphs tell. */
  subgraphs: string[];
  /** What to do about it. */
  advice: string;
}

/** A loaded supergraph: its API schema and which subgraph defines which type and field. */
export interface LoadedSupergraph {
  api: GraphQLSchema;
  /** The subgraphs defining `Type` or `Type.field`. */
  subgraphsOf(coordinate: string): string[];
}

export function loadSupergraph(supergraphSdl: string): LoadedSupergraph {
  const supergraph = Supergraph.build(gatewayCompatibleSupergraph(supergraphSdl));
  const subgraphs = supergraph.subgraphs().values();
  return {
    // Through the AST, plain data: federation-internals may load another copy of graphql-js (CommonJS
    // next to our ESM), and a schema object from one copy is refused by the other.
    api: buildASTSchema(supergraph.apiSchema().toAST()),
    subgraphsOf(coordinate) {
      const [typeName, fieldName] = coordinate.split('.');
      return subgraphs
        .filter(({ schema }) => {
          const type = schema.type(typeName);
          if (!type) return false;
          if (!fieldName) return true;
          if ('field' in type && typeof type.field === 'function') return !!type.field(fieldName);
          if ('value' in type && typeof type.value === 'function') return !!type.value(fieldName);
          return false;
        })
        .map((s) => s.name);
    },
  };
}

const ADVICE: Record<string, string> = {
  [BreakingChangeType.TYPE_REMOVED]: 'Clients that name this type break. Keep it until no operation uses it.',
  [BreakingChangeType.TYPE_CHANGED_KIND]: 'Clients selecting this type break. Add a new type instead and migrate clients.',
  [BreakingChangeType.TYPE_REMOVED_FROM_UNION]: 'Fragments on this member stop matching. Keep the member until clients have moved.',
  [BreakingChangeType.VALUE_REMOVED_FROM_ENUM]: 'Clients sending or expecting this value break. Deprecate the value (@deprecated) first.',
  [BreakingChangeType.REQUIRED_INPUT_FIELD_ADDED]: 'Existing operations do not send it and fail. Make it nullable or give it a default.',
  [BreakingChangeType.IMPLEMENTED_INTERFACE_REMOVED]: 'Fragments on the interface stop matching this type. Keep the interface until clients have moved.',
  [BreakingChangeType.FIELD_REMOVED]: 'Operations selecting this field fail validation. Deprecate it with @deprecated(reason: ...) and remove it once no client selects it.',
  [BreakingChangeType.FIELD_CHANGED_KIND]: 'Operations using this field break. Add a field with the new type, deprecate the old one, and migrate clients.',
  [BreakingChangeType.REQUIRED_ARG_ADDED]: 'Existing operations do not pass it and fail. Make the argument optional or give it a default.',
  [BreakingChangeType.ARG_REMOVED]: 'Operations passing this argument fail validation. Deprecate the argument first.',
  [BreakingChangeType.ARG_CHANGED_KIND]: 'Operations passing this argument may fail. Add a new argument instead.',
  [BreakingChangeType.DIRECTIVE_REMOVED]: 'Operations using this directive fail validation.',
  [BreakingChangeType.DIRECTIVE_ARG_REMOVED]: 'Operations passing this directive argument fail validation.',
  [BreakingChangeType.REQUIRED_DIRECTIVE_ARG_ADDED]: 'Operations using this directive do not pass it and fail.',
  [BreakingChangeType.DIRECTIVE_REPEATABLE_REMOVED]: 'Operations repeating this directive fail validation.',
  [BreakingChangeType.DIRECTIVE_LOCATION_REMOVED]: 'Operations using the directive there fail validation.',
  [DangerousChangeType.VALUE_ADDED_TO_ENUM]: 'Clients that switch over this enum may not handle the new value.',
  [DangerousChangeType.TYPE_ADDED_TO_UNION]: 'Clients may receive a member they have no fragment for.',
  [DangerousChangeType.OPTIONAL_INPUT_FIELD_ADDED]: 'Safe for clients; check that servers treat it as optional.',
  [DangerousChangeType.OPTIONAL_ARG_ADDED]: 'Safe for clients; results may differ when they start passing it.',
  [DangerousChangeType.IMPLEMENTED_INTERFACE_ADDED]: 'Clients may receive this type where they expect the interface; check their fragments.',
  [DangerousChangeType.ARG_DEFAULT_VALUE_CHANGE]: 'Operations that omit the argument now get different results.',
};

/** `Type.field`, `Enum.VALUE`, `Type` or `@directive`: what a graphql-js change description is about. */
export function coordinateOf(description: string): string {
  const enumValue = /^(\w+) was (?:added to|removed from) enum type (\w+)/.exec(description);
  if (enumValue) return `${enumValue[2]}.${enumValue[1]}`;
  const union = /^(\w+) was (?:added to|removed from) union type (\w+)/.exec(description);
  if (union) return union[2];
  return /^(@?[_A-Za-z][_0-9A-Za-z]*(?:\.[_A-Za-z][_0-9A-Za-z]*)?)/.exec(description)?.[1] ?? '';
}

/** graphql-js reports a built-in scalar no field uses any more; the field's own change says it all. */
const isUnusedBuiltIn = (change: { description: string }) => change.description.startsWith('Standard scalar ');

/** The changes between the served supergraph and the new one, breaking first. */
export function compareSupergraphs(servedSdl: string, nextSdl: string): SchemaChange[] {
  const served = loadSupergraph(servedSdl);
  const next = loadSupergraph(nextSdl);
  const describe = (level: SchemaChange['level']) => (change: { type: string; description: string }): SchemaChange => {
    const coordinate = coordinateOf(change.description);
    const now = next.subgraphsOf(coordinate);
    return {
      level,
      type: change.type,
      coordinate,
      description: change.description,
      subgraphs: now.length ? now : served.subgraphsOf(coordinate),
      advice: ADVICE[change.type] ?? 'Check the clients that use it.',
    };
  };
  return [
    ...findBreakingChanges(served.api, next.api).filter((c) => !isUnusedBuiltIn(c)).map(describe('breaking')),
    ...findDangerousChanges(served.api, next.api).map(describe('dangerous')),
  ];
}

/** The report `compose --check` prints: one block per change. */
export function formatChanges(changes: SchemaChange[]): string {
  if (!changes.length) return 'No breaking or dangerous changes to the API schema.\n';
  const lines: string[] = [];
  for (const level of ['breaking', 'dangerous'] as const) {
    const some = changes.filter((c) => c.level === level);
    if (!some.length) continue;
    lines.push(`${some.length} ${level} change${some.length > 1 ? 's' : ''}:`);
    for (const c of some) {
      const from = c.subgraphs.length ? ` (subgraph${c.subgraphs.length > 1 ? 's' : ''} ${c.subgraphs.join(', ')})` : '';
      lines.push(`  ${c.coordinate}${from}: ${c.description}`, `    what to do: ${c.advice}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
