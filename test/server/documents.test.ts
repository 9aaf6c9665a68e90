// Documents parsed and validated once per schema, with Portico's own rules (shape limits keep their codes).
import { GraphQLError } from 'graphql';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ReservedResponseKeysRule } from '../../src/cache/reserved-keys.js';
import { loadConfig } from '../../src/config/index.js';
import { limitRules } from '../../src/cost/limits.js';
import { createDocuments } from '../../src/server/documents.js';
import { formatErrors } from '../../src/server/errors.js';
import { formatError } from '../../src/server/format-error.js';
import { testSchema } from '../helpers/operation.js';

const config = loadConfig({ env: {}, file: '/dev/null', overrides: { limits: { maxDepth: 2, maxAliases: 1 } } });
const documents = () => {
  const made = createDocuments({ maxTokens: 50, introspection: false, rules: [ReservedResponseKeysRule, ...limitRules(config.limits)] });
  made.useSchema(testSchema);
  return made;
};
const format = formatError(config, pino({ level: 'silent' }));
const codes = (errors: GraphQLError[]) => formatErrors(errors, format).errors.map((e) => e.extensions?.code);

describe('documents', () => {
  it('parses and validates a text once, and hands back the same document', () => {
    const known = documents();
    const first = known.get('{ me }');
    expect(first?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(known.get('{ me }')).toBe(first);
  });

  it('refuses what does not parse or validate, and says why with Apollo Server’s codes and 400', () => {
    const known = documents();
    expect(known.get('{ me')).toBeNull();
    expect(codes(known.errorsOf('{ me'))).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(known.get('{ nope }')).toBeNull();
    expect(codes(known.errorsOf('{ nope }'))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(formatErrors(known.errorsOf('{ nope }'), format).status).toBe(400);
  });

  it('keeps each shape limit’s own code, as a validation rule', () => {
    const known = documents();
    expect(known.get('{ a: me b: me }')).toBeNull();
    expect(codes(known.errorsOf('{ a: me b: me }'))).toEqual(['MAX_ALIASES_EXCEEDED']);
    expect(codes(known.errorsOf(`{ ${'me '.repeat(60)}}`))).toEqual(['MAX_TOKENS_EXCEEDED']);
    expect(codes(known.errorsOf('{ portico__x: me }'))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('refuses introspection when it is off, and forgets documents of an older schema', () => {
    const known = documents();
    expect(known.get('{ __schema { types { name } } }')).toBeNull();
    const before = known.get('{ me }');
    known.useSchema(testSchema);
    expect(known.get('{ me }')).not.toBe(before);
  });
});
