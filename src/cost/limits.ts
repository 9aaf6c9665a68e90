import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { GraphQLError, type ValidationContext, type ValidationRule } from 'graphql';
import type { PorticoConfig } from '../config/index.js';

/**
 * Depth, alias and directive limits (graphql-armor's rules) as validation rules, so they run once per
 * document and are cached with its validation. Each refuses with its own code (kept by formatError,
 * see `validationCode`) and HTTP 400. The token limit is applied while parsing (`maxTokens`).
 */
export function limitRules(limits: PorticoConfig['limits']): ValidationRule[] {
  const reject = (code: string) => [
    (context: ValidationContext | null, error: GraphQLError) =>
      context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { nodes: error.nodes, extensions: { code } })),
  ];
  return [
    maxDepthRule({ n: limits.maxDepth, propagateOnRejection: false, onReject: reject('MAX_DEPTH_EXCEEDED') }),
    maxAliasesRule({ n: limits.maxAliases, propagateOnRejection: false, onReject: reject('MAX_ALIASES_EXCEEDED') }),
    maxDirectivesRule({ n: limits.maxDirectives, propagateOnRejection: false, onReject: reject('MAX_DIRECTIVES_EXCEEDED') }),
  ];
}

/**
 * The code of a validation rule's own error (Apollo Server answers every validation error as
 * GRAPHQL_VALIDATION_FAILED and keeps the rule's error as `originalError`).
 */
export function validationCode(error: unknown): string | undefined {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : undefined;
  const code = original instanceof GraphQLError ? original.extensions.code : undefined;
  return typeof code === 'string' && code !== 'GRAPHQL_VALIDATION_FAILED' ? code : undefined;
}
