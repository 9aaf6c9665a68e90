// Documents generated from a schema by a small grammar, one deterministic seed per document: fields
// picked at random (with aliases, the same field twice under two aliases with different arguments,
// __typename anywhere), inline fragments on every abstract type, named fragments, @skip/@include on
// literals and on variables (given or defaulted), arguments as literals or variables. A document the
// schema refuses (two picks that cannot merge) is drawn again from the next seed.
import {
  getNamedType,
  getNullableType,
  isAbstractType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  validate,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import type { Case } from './differential.js';
import { prng } from './prng.js';

export interface GrammarOptions {
  schema: GraphQLSchema;
  /** Argument values to draw from, by `Type.field.argument`; an argument not listed is left out (it must be optional). */
  values: Record<string, readonly unknown[]>;
  /** `Type.field` never picked (e.g. fields that need a caller the corpus does not have). */
  exclude?: readonly string[];
  /** Root fields to start from (default: every field of Query not excluded). */
  roots?: readonly string[];
  /** Levels of selection sets below the root field. */
  maxDepth: number;
  /** Most fields picked in one selection set (default 4). */
  maxFields?: number;
  /** Chance that a selection set's first pick is among the fields with one of their own (deeper documents); default 0, any field alike. */
  objectBias?: number;
  /** The operation name (a fault name aims a fault at one subgraph). */
  operationName?: (seed: number) => string | undefined;
}

type Rng = ReturnType<typeof prng>;

const literal = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? `[${value.map(literal).join(', ')}]` : JSON.stringify(value));

class Document {
  readonly variables: Record<string, unknown> = {};
  readonly definitions: string[] = [];
  readonly fragments: string[] = [];
  private aliases = 0;
  constructor(
    readonly rng: Rng,
    readonly options: GrammarOptions,
  ) {}

  alias(): string {
    return `a${++this.aliases}`;
  }

  variable(type: string, value: unknown, defaulted = false): string {
    const name = `v${this.definitions.length + 1}`;
    if (defaulted) this.definitions.push(`$${name}: ${type} = ${literal(value)}`);
    else {
      this.definitions.push(`$${name}: ${type}`);
      this.variables[name] = value;
    }
    return `$${name}`;
  }

  /** A field's arguments, from the value pools; `avoid` is the argument text of a first copy. */
  args(type: GraphQLObjectType, field: GraphQLField<unknown, unknown>, avoid?: string): string | undefined {
    for (let attempt = 0; attempt < 4; attempt++) {
      const parts: string[] = [];
      for (const arg of field.args) {
        const pool = this.options.values[`${type.name}.${field.name}.${arg.name}`];
        const required = isNonNullType(arg.type) && arg.defaultValue === undefined;
        if (!pool?.length) {
          if (required) return undefined;
          continue;
        }
        if (!required && this.rng.next() < 0.3) continue;
        const value = this.rng.pick(pool);
        parts.push(`${arg.name}: ${this.rng.next() < 0.3 ? this.variable(String(arg.type as GraphQLInputType), value) : literal(value)}`);
      }
      const text = parts.length ? `(${parts.join(', ')})` : '';
      if (text !== avoid) return text;
    }
    return avoid === undefined ? '' : undefined;
  }

  directive(): string {
    const r = this.rng.next();
    if (r > 0.12) return '';
    const name = this.rng.next() < 0.5 ? 'skip' : 'include';
    const value = this.rng.next() < 0.5;
    const mode = this.rng.int(3);
    const condition = mode === 0 ? String(value) : mode === 1 ? this.variable('Boolean!', value) : this.variable('Boolean', value, true);
    return ` @${name}(if: ${condition})`;
  }

  selection(type: GraphQLNamedType, depth: number): string {
    if (isAbstractType(type)) return this.abstract(type, depth);
    if (!isObjectType(type)) throw new Error(`cannot select on ${type.name}`);
    if (depth > 0 && this.rng.next() < 0.12) return `{ ${this.fragment(type, depth)} }`;
    return `{ ${this.fields(type, depth).join(' ')} }`;
  }

  /** A named fragment holding a selection on `type`, spread here. */
  fragment(type: GraphQLObjectType, depth: number): string {
    const name = `F${this.fragments.length + 1}`;
    this.fragments.push('');
    const at = this.fragments.length - 1;
    this.fragments[at] = `fragment ${name} on ${type.name} { ${this.fields(type, depth).join(' ')} }`;
    return `...${name}${this.directive()}`;
  }

  abstract(type: GraphQLNamedType & { name: string }, depth: number): string {
    const schema = this.options.schema;
    const possible = schema.getPossibleTypes(type as Parameters<GraphQLSchema['getPossibleTypes']>[0]);
    const parts: string[] = [];
    if (this.rng.next() < 0.5) parts.push('__typename');
    // Fields of the interface itself, sometimes.
    const own = 'getFields' in type ? Object.values((type as GraphQLObjectType).getFields()).filter((f) => this.pickable(type as GraphQLObjectType, f)) : [];
    if (own.length && this.rng.next() < 0.6) parts.push(...this.fields(type as GraphQLObjectType, depth, own));
    for (const member of possible) if (this.rng.next() < 0.7) parts.push(`... on ${member.name}${this.directive()} { ${this.fields(member, depth).join(' ')} }`);
    if (!parts.length) parts.push('__typename');
    return `{ ${parts.join(' ')} }`;
  }

  pickable(type: GraphQLObjectType, field: GraphQLField<unknown, unknown>): boolean {
    if (this.options.exclude?.includes(`${type.name}.${field.name}`)) return false;
    return field.args.every((a) => !(isNonNullType(a.type) && a.defaultValue === undefined) || this.options.values[`${type.name}.${field.name}.${a.name}`]?.length);
  }

  fields(type: GraphQLObjectType, depth: number, from?: GraphQLField<unknown, unknown>[]): string[] {
    const candidates = (from ?? Object.values(type.getFields())).filter((f) => this.pickable(type, f) && (depth < this.options.maxDepth || isLeafType(getNamedType(f.type))));
    const out: string[] = [];
    const count = 1 + this.rng.int(this.options.maxFields ?? 4);
    const objects = candidates.filter((f) => !isLeafType(getNamedType(f.type)));
    for (let i = 0; i < count && candidates.length; i++) {
      const field = this.rng.pick(i === 0 && objects.length && this.rng.next() < (this.options.objectBias ?? 0) ? objects : candidates);
      out.push(...this.field(type, field, depth));
    }
    if (this.rng.next() < 0.12) out.splice(this.rng.int(out.length + 1), 0, '__typename');
    if (this.rng.next() < 0.08) out.push(`...${this.directive() || ' @include(if: true)'} { ${this.fields(type, depth).join(' ')} }`);
    if (!out.length) out.push('__typename');
    return out;
  }

  field(type: GraphQLObjectType, field: GraphQLField<unknown, unknown>, depth: number): string[] {
    const args = this.args(type, field);
    if (args === undefined) return [];
    const named = getNamedType(field.type);
    const sub = () => (isLeafType(named) ? '' : ` ${this.selection(named, depth + 1)}`);
    const alias = this.rng.next() < 0.15 ? `${this.alias()}: ` : '';
    const out = [`${alias}${field.name}${args}${this.directive()}${sub()}`];
    // The same field again under another alias with other arguments.
    if (field.args.length && this.rng.next() < 0.2) {
      const other = this.args(type, field, args);
      if (other !== undefined) out.push(`${this.alias()}: ${field.name}${other}${sub()}`);
    }
    return out;
  }
}

/** Whether a list nests a list (for the corpus to say it covers lists of lists). */
export const isNestedList = (t: Parameters<typeof getNullableType>[0]) => {
  const outer = getNullableType(t);
  return isListType(outer) && isListType(getNullableType(outer.ofType));
};

/** One valid document for `seed` (seeds drawn again past refused ones, from `seed * 1000`). */
export function generateCase(options: GrammarOptions, seed: number, prefix: string): Case {
  for (let attempt = 0; attempt < 50; attempt++) {
    const rng = prng(seed * 1000 + attempt);
    const doc = new Document(rng, options);
    const query = options.schema.getQueryType()!;
    const roots = (options.roots ?? Object.keys(query.getFields())).filter((r) => doc.pickable(query, query.getFields()[r]));
    const selections: string[] = [];
    const count = 1 + rng.int(2);
    for (let i = 0; i < count; i++) selections.push(...doc.field(query, query.getFields()[rng.pick(roots)], 0));
    if (rng.next() < 0.1) selections.push('__typename');
    const name = options.operationName?.(seed);
    const head = `query${name ? ` ${name}` : ''}${doc.definitions.length ? `(${doc.definitions.join(', ')})` : ''}`;
    const text = [`${head} { ${selections.join(' ')} }`, ...doc.fragments].join('\n');
    if (validate(options.schema, parse(text)).length === 0) {
      return { name: `${prefix} #${seed}`, query: text, variables: Object.keys(doc.variables).length ? doc.variables : undefined };
    }
  }
  throw new Error(`${prefix}: no valid document from seed ${seed}`);
}

/** `count` documents from seeds 1…count. */
export function generateCases(options: GrammarOptions, count: number, prefix: string): Case[] {
  return Array.from({ length: count }, (_, i) => generateCase(options, i + 1, prefix));
}

// Unused input kinds are refused early, so a pool never silently stands for an input object.
export function assertNoInputObjects(schema: GraphQLSchema, values: GrammarOptions['values']) {
  for (const key of Object.keys(values)) {
    const [type, field, arg] = key.split('.');
    const t = schema.getType(type);
    const found = t && 'getFields' in t ? (t as GraphQLObjectType).getFields()[field]?.args.find((a) => a.name === arg) : undefined;
    if (!found) throw new Error(`no argument ${key} in the schema`);
    if (isInputObjectType(getNamedType(found.type))) throw new Error(`${key}: input objects are not generated`);
  }
}
