import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { GraphQLError, validate, type ValidationRule } from 'graphql';
import type { PorticoConfig } from '../config/index.js';
import type { Stage } from '../server/pipeline.js';
import { refusal } from '../server/refusal.js';

const CACHE_SIZE = 1000;

/**
 * Depth, alias and directive limits (graphql-armor's rules), each refused with its own code and
 * HTTP 400; checked once per document. The token limit is applied while parsing (`maxTokens`).
 */
export function createLimitsStage(limits: PorticoConfig['limits']): Stage {
  const checked = new Map<string, GraphQLError | null>();
  const rule = (code: string, make: (reject: (error: GraphQLError) => void) => ValidationRule) => ({ code, make });
  const rules = [
    rule('MAX_DEPTH_EXCEEDED', (onReject) => maxDepthRule({ n: limits.maxDepth, propagateOnRejection: false, onReject: [(_c, e) => onReject(e)] })),
    rule('MAX_ALIASES_EXCEEDED', (onReject) => maxAliasesRule({ n: limits.maxAliases, propagateOnRejection: false, onReject: [(_c, e) => onReject(e)] })),
    rule('MAX_DIRECTIVES_EXCEEDED', (onReject) =>
      maxDirectivesRule({ n: limits.maxDirectives, propagateOnRejection: false, onReject: [(_c, e) => onReject(e)] }),
    ),
  ];

  return {
    name: 'limits',
    pure: true,
    operation(rc) {
      let outcome = checked.get(rc.queryHash);
      if (outcome === undefined) {
        outcome = null;
        for (const { code, make } of rules) {
          let rejected: GraphQLError | undefined;
          validate(rc.schema, rc.document, [make((e) => (rejected ??= e))]);
          if (rejected) {
            outcome = refusal(rejected.message.replace(/^Syntax Error: /, ''), code, 400);
            break;
          }
        }
        if (checked.size >= CACHE_SIZE) checked.delete(checked.keys().next().value as string);
        checked.set(rc.queryHash, outcome);
      }
      if (outcome) throw outcome;
    },
  };
}
