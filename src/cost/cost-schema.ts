import {
  getNamedType,
  isCompositeType,
  type ConstDirectiveNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { linkedDirectiveName } from '../gateway/spec-links.js';
import type { Supergraph } from '../gateway/supergraph.js';

/** `@listSize` on a field: how many items a list holds. */
export interface ListSize {
  assumedSize?: number;
  slicingArguments: string[];
  /** Child fields the slicing argument sizes (a connection's `nodes`), instead of the field itself. */
  sizedFields: string[];
  requireOneSlicingArgument: boolean;
}

/** The cost rules of a supergraph (GraphQL Cost Directive spec, as adopted by Federation 2.9). */
export interface CostSchema {
  schema: GraphQLSchema;
  /** Cost of one instance of a field: `@cost` on it, else on its type, else 1 for objects, interfaces and unions and 0 for leaves. */
  weight(parent: GraphQLNamedType, field: GraphQLField<unknown, unknown>): number;
  /** The field's own `@cost` weight, if it has one. */
  ownWeight(field: GraphQLField<unknown, unknown>): number | undefined;
  listSize(parent: GraphQLNamedType, field: GraphQLField<unknown, unknown>): ListSize | undefined;
}

const intArg = (d: ConstDirectiveNode, name: string) => {
  const v = d.arguments?.find((a) => a.name.value === name)?.value;
  return v?.kind === 'IntValue' ? Number(v.value) : undefined;
};
const stringsArg = (d: ConstDirectiveNode, name: string) => {
  const v = d.arguments?.find((a) => a.name.value === name)?.value;
  return v?.kind === 'ListValue' ? v.values.flatMap((x) => (x.kind === 'StringValue' ? [x.value] : [])) : [];
};
const boolArg = (d: ConstDirectiveNode, name: string, fallback: boolean) => {
  const v = d.arguments?.find((a) => a.name.value === name)?.value;
  return v?.kind === 'BooleanValue' ? v.value : fallback;
};

export function buildCostSchema({ document, schema }: Supergraph): CostSchema {
  const costName = linkedDirectiveName(document, 'cost', 'cost');
  const listSizeName = linkedDirectiveName(document, 'cost', 'listSize');
  const find = (directives: readonly ConstDirectiveNode[] | undefined, name: string) => directives?.find((d) => d.name.value === name);

  const ownWeight = (field: GraphQLField<unknown, unknown>) => {
    const own = find(field.astNode?.directives, costName);
    return own ? (intArg(own, 'weight') ?? 0) : undefined;
  };
  return {
    schema,
    ownWeight,
    weight(_parent, field) {
      const own = ownWeight(field);
      if (own !== undefined) return own;
      const type = getNamedType(field.type);
      const onType = [type.astNode, ...type.extensionASTNodes].map((n) => find(n?.directives, costName)).find(Boolean);
      if (onType) return intArg(onType, 'weight') ?? 0;
      return isCompositeType(type) ? 1 : 0;
    },
    listSize(_parent, field) {
      const directive = find(field.astNode?.directives, listSizeName);
      if (!directive) return undefined;
      return {
        assumedSize: intArg(directive, 'assumedSize'),
        slicingArguments: stringsArg(directive, 'slicingArguments'),
        sizedFields: stringsArg(directive, 'sizedFields'),
        requireOneSlicingArgument: boolArg(directive, 'requireOneSlicingArgument', true),
      };
    },
  };
}
