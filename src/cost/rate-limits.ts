import {
  isInterfaceType,
  isObjectType,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import type { PorticoConfig } from '../config/index.js';
import { linkedDirectiveName } from '../gateway/spec-links.js';
import type { Supergraph } from '../gateway/supergraph.js';
import type { PorticoPlugin } from '../server/pipeline.js';
import { refusal } from '../server/refusal.js';
import type { RateCounter } from './rate-counters.js';

/** `@rateLimit(window:, max:)` on a field: at most `max` calls per client in each window. */
export interface RateLimit {
  coordinate: string;
  windowMs: number;
  max: number;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseWindow(text: string): number {
  const match = /^(\d+)\s*(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) throw new Error(`@rateLimit window "${text}" must look like 30s, 1m, 1h`);
  return Number(match[1]) * UNITS[match[2]];
}

/** The `@rateLimit` directives of a supergraph (carried by `@composeDirective`), by field coordinate. */
export function readRateLimits({ document, schema }: Supergraph): Map<string, RateLimit> {
  const name = linkedDirectiveName(document, 'rate-limit', 'rateLimit');
  const limits = new Map<string, RateLimit>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) && !isInterfaceType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const directive = field.astNode?.directives?.find((d) => d.name.value === name);
      if (!directive) continue;
      const arg = (n: string) => directive.arguments?.find((a) => a.name.value === n)?.value;
      const window = arg('window');
      const max = arg('max');
      if (window?.kind !== 'StringValue' || max?.kind !== 'IntValue') continue;
      const coordinate = `${type.name}.${field.name}`;
      limits.set(coordinate, { coordinate, windowMs: parseWindow(window.value), max: Number(max.value) });
    }
  }
  return limits;
}

/** How many times each rate-limited field is selected in a document (aliases count each). */
function selectedLimits(schema: GraphQLSchema, limits: Map<string, RateLimit>) {
  return (document: DocumentNode): Array<{ limit: RateLimit; count: number }> => {
    const counts = new Map<string, number>();
    const typeInfo = new TypeInfo(schema);
    visit(
      document,
      visitWithTypeInfo(typeInfo, {
        Field(node) {
          const coordinate = `${typeInfo.getParentType()?.name}.${node.name.value}`;
          if (limits.has(coordinate)) counts.set(coordinate, (counts.get(coordinate) ?? 0) + 1);
        },
      }),
    );
    return [...counts].map(([coordinate, count]) => ({ limit: limits.get(coordinate)!, count }));
  };
}

/**
 * Enforces `@rateLimit`: per client and field, a sliding-window counter in the shared store. Declared
 * in the subgraph SDL and carried into the supergraph with `@composeDirective`.
 */
export function useRateLimits(counters: RateCounter): PorticoPlugin {
  let current: { limits: Map<string, RateLimit>; select: ReturnType<typeof selectedLimits> } | undefined;
  return {
    name: 'rate-limits',
    onSupergraph(supergraph: Supergraph) {
      const limits = readRateLimits(supergraph);
      current = { limits, select: selectedLimits(supergraph.schema, limits) };
    },
    async onOperation(op, scope) {
      const known = current;
      if (!known || known.limits.size === 0) return;
      const selected = op.analysis('rate-limits', () => known.select(op.runs.document));
      if (selected.length === 0) return;
      const { client } = op.context;
      const per = (limit: RateLimit) => `${limit.max} calls to ${limit.coordinate} per ${limit.windowMs / 1000}s`;
      for (const { limit, count } of selected) {
        // Waiting would not help: refuse as a bad request, not with a Retry-After.
        if (count > limit.max) throw refusal(`This operation selects ${limit.coordinate} ${count} times; the limit is ${per(limit)}`, 'RATE_LIMIT_EXCEEDED', 400);
      }
      // All of the operation's limits are counted at once, or none of them.
      const entries = selected.map(({ limit, count }) => ({ key: `${limit.coordinate}:${client.key}`, amount: count, max: limit.max, windowMs: limit.windowMs }));
      const decision = await counters.take(entries);
      if (!decision.allowed) {
        const wait = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
        const limit = selected[decision.refused ?? 0].limit;
        throw refusal(`Rate limit of ${per(limit)} reached`, 'THROTTLED', 429, { retryAfterSeconds: wait }, { 'retry-after': String(wait) });
      }
      // Refused after this (by its cost or budget): the calls never happened, so they do not count.
      scope.onResponse(async (response) => {
        if ((response.status ?? 200) >= 400) await counters.giveBack(entries).catch(() => undefined);
      });
    },
  };
}
