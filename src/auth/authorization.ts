import { createHash } from 'node:crypto';
import { GraphQLError, Kind } from 'graphql';
import type { Logger } from 'pino';
import type { PorticoConfig } from '../config/index.js';
import type { PorticoPlugin } from '../server/pipeline.js';
import { refusal } from '../server/refusal.js';
import { analyzeOperation, type DocumentAnalysis, type Occurrence } from './analyze.js';
import { buildAuthSchema, type AuthSchema } from './auth-schema.js';
import { readSupergraph, type Supergraph } from '../gateway/supergraph.js';
import type { Caller } from './caller.js';
import type { PolicyInput } from './policy.js';
import { isSatisfied, NO_REQUIREMENT, policyNames, type Requirement } from './requirements.js';
import { deniedOccurrences, nullRemovedFields, removeSelections, responsePath, stripPlaceholders, type RewrittenDocument } from './rewrite.js';

export const UNAUTHORIZED = 'UNAUTHORIZED_FIELD_OR_TYPE';

interface Analyzed extends DocumentAnalysis {
  /** Rewritten documents by denied set, so each variant is printed and hashed once. */
  variants: Map<string, RewrittenDocument & { hash: string }>;
  /** The policies any checkpoint names. */
  policies: Set<string>;
  /** Without policies, what a caller may not see depends on the caller alone (one object per verified token). */
  deniedByCaller: WeakMap<Caller, Set<number>>;
}

export interface Authorization extends PorticoPlugin {
  /** Throws when a supergraph uses a policy that is not registered: called before a supergraph goes live. */
  validateSupergraph(supergraphSdl: string): void;
}

async function evaluatePolicies(
  names: Set<string>,
  config: PorticoConfig['authorization'],
  input: PolicyInput,
  logger: Logger,
): Promise<Map<string, boolean>> {
  const results = new Map<string, boolean>();
  await Promise.all(
    [...names].map(async (name) => {
      try {
        results.set(name, (await config.policies[name]?.(input)) === true);
      } catch (error) {
        logger.warn({ err: error, policy: name }, 'policy threw; denying');
        results.set(name, false);
      }
    }),
  );
  return results;
}

function errorsFor(occurrences: Occurrence[]): GraphQLError[] {
  const seen = new Set<string>();
  const errors: GraphQLError[] = [];
  for (const { steps, checkpoint } of occurrences) {
    const path = responsePath(steps);
    // A field's path ends at the field, not at the items of the list it returns.
    if (checkpoint.node.kind === Kind.FIELD) while (path[path.length - 1] === '@') path.pop();
    const key = path.join('.');
    if (seen.has(key)) continue;
    seen.add(key);
    errors.push(new GraphQLError('Unauthorized field or type', { path, extensions: { code: UNAUTHORIZED } }));
  }
  return errors;
}

/**
 * Enforces `@authenticated`, `@requiresScopes` and `@policy` from the supergraph before planning:
 * removes what the caller may not see (or refuses the request in `reject` mode), so no subgraph
 * receives it, and answers null with an error per removed path.
 */
export function useAuthorization(config: PorticoConfig['authorization'], logger: Logger): Authorization {
  const introspection: Requirement = config.introspectionScope
    ? { authenticated: true, scopes: [[[config.introspectionScope]]], policies: [] }
    : NO_REQUIREMENT;
  let built: AuthSchema | undefined;

  function analysisFor(schema: AuthSchema, document: Parameters<typeof analyzeOperation>[1], operation: Parameters<typeof analyzeOperation>[2]): Analyzed | null {
    const result = analyzeOperation(schema, document, operation, introspection);
    return result.checkpoints.length
      ? { ...result, variants: new Map(), policies: new Set(result.checkpoints.flatMap((c) => policyNames(c.requirement))), deniedByCaller: new WeakMap() }
      : null;
  }

  async function deniedFor(analysis: Analyzed, caller: Caller, input: () => PolicyInput): Promise<Set<number>> {
    const deny = (policies: Map<string, boolean>) =>
      new Set(analysis.checkpoints.filter((c) => !isSatisfied(c.requirement, caller, policies)).map((c) => c.id));
    // Policies are functions of the request (time, headers, variables): evaluated every time.
    if (analysis.policies.size) return deny(await evaluatePolicies(analysis.policies, config, input(), logger));
    let denied = analysis.deniedByCaller.get(caller);
    if (!denied) analysis.deniedByCaller.set(caller, (denied = deny(new Map())));
    return denied;
  }

  return {
    validateSupergraph(sdl) {
      const unknown = [...buildAuthSchema(readSupergraph(sdl)).policies].filter((name) => typeof config.policies[name] !== 'function');
      if (unknown.length) {
        throw new Error(`the supergraph uses @policy ${unknown.map((n) => `"${n}"`).join(', ')}, not registered in authorization.policies`);
      }
    },
    name: 'authorization',
    onSupergraph(supergraph) {
      built = buildAuthSchema(supergraph);
    },
    async onOperation(op, scope) {
      const schema = built;
      if (!schema || (schema.empty && introspection === NO_REQUIREMENT)) return;
      const analysis = op.analysis('authorization', () => analysisFor(schema, op.runs.document, op.runs.definition));
      if (!analysis) return;
      const caller = op.context.caller;
      const deniedIds = await deniedFor(analysis, caller, () => ({
        caller,
        request: { operationName: op.name, variables: op.rawVariables, headers: op.headers },
      }));
      if (deniedIds.size === 0) return;
      const denied = deniedOccurrences(analysis, deniedIds);
      if (config.mode === 'reject') {
        throw refusal('Unauthorized field or type', UNAUTHORIZED, 403, { paths: denied.map((o) => responsePath(o.steps)) });
      }
      const variantKey = [...deniedIds].sort((a, b) => a - b).join(',');
      let variant = analysis.variants.get(variantKey);
      if (!variant) {
        const rewritten = removeSelections(analysis, deniedIds);
        // The gateway caches query plans by this hash: the rewritten document must have its own.
        variant = { ...rewritten, hash: createHash('sha256').update(rewritten.source).digest('hex') };
        analysis.variants.set(variantKey, variant);
      }
      op.rewrite({ document: variant.document, definition: variant.operation, hash: variant.hash });
      const { usesPlaceholder } = variant;
      scope.onResponse((response) => {
        const { result } = response;
        // A copy: the data may be a cached answer that other requests share.
        const data = structuredClone(result.data);
        if (usesPlaceholder) stripPlaceholders(data);
        response.result = { ...result, data: nullRemovedFields(data, denied), errors: [...errorsFor(denied).map((e) => e.toJSON()), ...(result.errors ?? [])] };
      });
    },
  };
}
