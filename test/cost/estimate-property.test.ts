// Property: for any query over the demo schema and any variables, the work execution does (the actual
// cost of the answer it builds) never exceeds the estimate, as long as lists stay within what their
// slicing arguments (or, without one, their assumed or default size) allow.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  execute,
  getNamedType,
  getNullableType,
  getOperationAST,
  isCompositeType,
  isEnumType,
  isInterfaceType,
  isListType,
  isObjectType,
  parse,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { analyzeCost } from '../../src/cost/analyze.js';
import { actualCost, estimateCost } from '../../src/cost/calculate.js';
import { buildCostSchema } from '../../src/cost/cost-schema.js';
import { readSupergraph } from '../../src/gateway/supergraph.js';
import { executionVariables } from '../../src/server/variables.js';
import { prng } from '../helpers/prng.js';

const supergraph = readSupergraph(readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8'));
const costSchema = buildCostSchema(supergraph);
const { schema } = supergraph;
const DEFAULT_LIST_SIZE = 10;

interface Variable {
  name: string;
  type: 'Int' | 'Boolean';
  /** The default in the operation, as GraphQL text. */
  defaultValue?: string;
  /** What the request sends: undefined leaves it out. */
  sent?: number | boolean | null;
}

/** Builds a random query over the schema, declaring each variable it uses. */
function document(seed: number) {
  const { next: random, pick } = prng(seed);
  const variables: Variable[] = [];
  const variable = (type: Variable['type']): string => {
    const name = `v${variables.length}`;
    const value = () => (type === 'Int' ? Math.floor(random() * 6) : random() < 0.5);
    const defaultValue = random() < 0.6 ? String(value()) : undefined;
    const sent = random() < 0.4 ? value() : random() < 0.2 ? null : undefined;
    // A Boolean! position (@skip/@include) takes a nullable variable only with a default; keep it simple: Boolean! with one.
    variables.push({ name, type, defaultValue: type === 'Boolean' ? (defaultValue ?? 'true') : defaultValue, sent: type === 'Boolean' && sent === null ? undefined : sent });
    return `$${name}`;
  };
  const condition = () => {
    if (random() < 0.6) return '';
    const directive = pick(['include', 'skip']);
    return ` @${directive}(if: ${random() < 0.3 ? String(random() < 0.5) : variable('Boolean')})`;
  };
  const argument = (field: GraphQLField<unknown, unknown>) =>
    field.args
      .flatMap((arg) => {
        const type = getNullableType(arg.type);
        if (arg.name === 'first' && random() < 0.8) return [`first: ${random() < 0.4 ? Math.floor(random() * 6) : variable('Int')}`];
        if (String(arg.type).endsWith('!')) return [`${arg.name}: ${String(type) === 'ID' || String(type) === 'String' ? '"x"' : '1'}`];
        return [];
      })
      .join(', ');
  const selection = (type: GraphQLObjectType, depth: number): string => {
    const fields = Object.values(type.getFields()).filter((f) => !f.name.startsWith('_') && !isEnumType(getNamedType(f.type)));
    const chosen = new Set<string>();
    const parts: string[] = [];
    const count = 1 + Math.floor(random() * 3);
    for (let i = 0; i < count; i++) {
      const field = pick(fields);
      const named = getNamedType(field.type);
      if (isCompositeType(named) && depth >= 3) continue;
      const alias = chosen.has(field.name) ? `a${i}: ` : '';
      chosen.add(field.name);
      const args = argument(field);
      const sub = isObjectType(named) ? ` { ${selection(named, depth + 1)} }` : isInterfaceType(named) ? ' { __typename }' : '';
      const text = `${alias}${field.name}${args ? `(${args})` : ''}${condition()}${sub}`;
      parts.push(random() < 0.15 ? `... on ${type.name}${condition()} { ${text} }` : text);
    }
    return parts.length ? parts.join(' ') : '__typename';
  };
  const body = selection(schema.getQueryType()!, 0);
  const declared = variables.map((v) => `$${v.name}: ${v.type}${v.type === 'Boolean' ? '!' : ''}${v.defaultValue !== undefined ? ` = ${v.defaultValue}` : ''}`);
  const query = `query${declared.length ? `(${declared.join(', ')})` : ''} { ${body} }`;
  const sent = Object.fromEntries(variables.filter((v) => v.sent !== undefined).map((v) => [v.name, v.sent]));
  return { query, variables: sent, random };
}

/** Resolves every field with made-up data whose lists stay within what the schema lets them hold. */
function resolver(random: () => number) {
  const bound = (info: GraphQLResolveInfo, args: Record<string, unknown>, parent: unknown): number => {
    const field = (info.parentType as GraphQLObjectType).getFields()[info.fieldName];
    const listSize = costSchema.listSize(info.parentType, field);
    const sizedBy = (parent as { __size?: number } | null)?.__size;
    if (sizedBy !== undefined) return sizedBy;
    const slicing = (listSize?.slicingArguments ?? []).map((name) => args[name]).filter((v): v is number => typeof v === 'number');
    if (slicing.length) return Math.max(...slicing);
    return listSize?.assumedSize ?? DEFAULT_LIST_SIZE;
  };
  return (parent: unknown, args: Record<string, unknown>, _context: unknown, info: GraphQLResolveInfo) => {
    const type = getNullableType(info.returnType);
    const field = (info.parentType as GraphQLObjectType).getFields()[info.fieldName];
    const listSize = costSchema.listSize(info.parentType, field);
    // A connection: the slicing argument sizes its `nodes`.
    const size = listSize?.sizedFields.length ? bound(info, args, undefined) : undefined;
    const value = (named: ReturnType<typeof getNamedType>) => {
      if (isCompositeType(named)) {
        const concrete = isObjectType(named) ? named : schema.getPossibleTypes(named)[0];
        return { __typename: concrete.name, __size: size };
      }
      return String(named) === 'Boolean' ? true : String(named) === 'Int' ? 1 : 'x';
    };
    if (isListType(type)) {
      const length = Math.floor(random() * (bound(info, args, parent) + 1));
      return Array.from({ length }, () => value(getNamedType(type)));
    }
    return value(getNamedType(type));
  };
}

describe('estimated cost covers what executes', () => {
  it('actual ≤ estimated for random queries and variables over the demo schema', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const { query, variables, random } = document(seed);
        const parsed = parse(query);
        const operation = getOperationAST(parsed)!;
        const result = execute({ schema, document: parsed, variableValues: variables, fieldResolver: resolver(random) });
        if (result instanceof Promise) throw new Error('execution is synchronous here');
        const analysis = analyzeCost(costSchema, parsed, operation);
        const estimated = estimateCost(analysis, executionVariables(schema, operation, variables), DEFAULT_LIST_SIZE);
        const actual = actualCost(analysis, result.data as Record<string, unknown> | null);
        if (actual > estimated) throw new Error(`${query} ${JSON.stringify(variables)}: actual ${actual} > estimated ${estimated}`);
      }),
      { numRuns: 400 },
    );
  });

  it('would not hold if the estimate ignored variable defaults (the property can fail)', () => {
    const query = 'query($n: Int = 5, $v: Boolean! = true) { todos(first: $n) @include(if: $v) { nodes { id } } }';
    const parsed = parse(query);
    const analysis = analyzeCost(costSchema, parsed, getOperationAST(parsed)!);
    // As sent (no variables): $v absent reads as false, so nothing is counted.
    expect(estimateCost(analysis, {}, DEFAULT_LIST_SIZE)).toBe(0);
    // As execution sees it: 1 + 5 × 1.
    expect(estimateCost(analysis, executionVariables(schema, getOperationAST(parsed)!, {}), DEFAULT_LIST_SIZE)).toBe(6);
  });
});
